/**
 * The language model port: the Dapr Conversation API (a real component:
 * openai, anthropic, ollama) or, offline, the deterministic planner. Both
 * answer the same shape, so the session agent does not know which it has.
 */

export type ChatRole = 'system' | 'user' | 'assistant' | 'tool';

export interface ToolCall {
  /** Unique within one answer; a tool message answers it by this id. */
  id: string;
  name: string;
  arguments: Record<string, unknown>;
  /** The model's arguments when they were not a JSON object (then `arguments` is empty): the call is refused. */
  invalidArguments?: string;
}

export interface ChatMessage {
  role: ChatRole;
  content: string;
  /** On an assistant message: the tools it asked for. */
  toolCalls?: ToolCall[];
  /** On a tool message: the call it answers, and the tool's name. */
  toolCallId?: string;
  name?: string;
}

/** A tool the model may call: JSON Schema parameters, as the Conversation API and OpenAI take them. */
export interface ToolSpec {
  name: string;
  description: string;
  parameters: { type: 'object'; properties: Record<string, unknown>; required?: string[] };
  /** Changes something (training, stages, traffic): parked for human approval, never run at once. */
  mutating: boolean;
}

export interface Usage {
  promptTokens: number;
  completionTokens: number;
}

export interface LlmAnswer {
  content: string;
  toolCalls: ToolCall[];
  usage: Usage;
}

export interface LanguageModel {
  /** Shown in every answer ("deterministic-planner", or "dapr:<component>"). */
  readonly name: string;
  /** Tokens the model may see in one call (history, summary, pinned facts, tools). */
  readonly contextTokens: number;
  complete(o: { messages: ChatMessage[]; tools: ToolSpec[] }): Promise<LlmAnswer>;
  /** Folds `messages` into the running summary (`previous`, if any). */
  summarise(o: { previous?: string; messages: ChatMessage[] }): Promise<{ summary: string; usage: Usage }>;
}

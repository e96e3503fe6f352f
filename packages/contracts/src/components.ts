/** Dapr component names: the same in every backend choice under components/. */
export const Components = {
  pubsub: 'pubsub',
  state: 'statestore',
  secrets: 'secretstore',
  artifacts: 'artifacts',
  /** The language model (Dapr Conversation API): echo offline, openai, anthropic, ollama. */
  conversation: 'llm',
} as const;

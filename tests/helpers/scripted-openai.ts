import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

/** Tokens the scripted model claims for one answer, as OpenAI's `usage` reports them. */
export interface ScriptedUsage {
  promptTokens: number;
  completionTokens: number;
}

/**
 * One answer of the script: text, or tool calls (with optional text beside them). A call's
 * `arguments` is sent as JSON, or verbatim when it is a string (to script broken JSON).
 */
export type ScriptedReply =
  | { text: string; usage: ScriptedUsage }
  | { text?: string; toolCalls: { name: string; arguments: unknown; id?: string }[]; usage: ScriptedUsage };

/** A request as it arrived; `rejected` says why it was refused (then no reply was used). */
export interface RecordedRequest {
  method: string;
  path: string;
  authorization: string | undefined;
  body: any;
  rejected?: string;
}

const ROLES = new Set(['system', 'developer', 'user', 'assistant', 'tool']);

/** What a real OpenAI endpoint would refuse with 400, or undefined when the chat request is fine. */
function invalidChat(body: any): string | undefined {
  if (typeof body?.model !== 'string' || !body.model) return 'model is required';
  if (!Array.isArray(body.messages) || !body.messages.length) return 'messages must be a non-empty array';
  if (body.stream) return 'this scripted endpoint does not stream';
  if (body.n !== undefined && body.n !== 1) return 'this scripted endpoint answers one choice (n = 1)';
  for (const t of body.tools ?? [])
    if (t?.type !== 'function' || typeof t.function?.name !== 'string')
      return 'tools[] must be {type:"function", function:{name}}';
  const asked = new Set<string>();
  for (const [i, m] of body.messages.entries()) {
    if (!ROLES.has(m?.role)) return `messages[${i}].role '${m?.role}' is not a chat role`;
    for (const c of m.tool_calls ?? []) asked.add(c.id);
    // OpenAI's own rule: a tool message answers a call an earlier assistant message made.
    if (m.role === 'tool' && !asked.has(m.tool_call_id))
      return `messages[${i}] with role 'tool' must answer a preceding tool_calls id (got '${m.tool_call_id}')`;
  }
  return undefined;
}

/**
 * A loopback OpenAI chat-completions endpoint for tests, as Dapr's `conversation.openai`
 * component calls it (langchaingo: POST `{endpoint}/chat/completions`, `Authorization: Bearer <key>`).
 * Each accepted request gets the next reply of the script; the last one repeats once the script is spent.
 * Anything a real endpoint would refuse is refused the way OpenAI does, so a wrong request fails loudly.
 */
export class ScriptedOpenAi {
  readonly requests: RecordedRequest[] = [];
  private readonly server: Server;
  private script: ScriptedReply[] = [];
  private answered = 0;
  private port = 0;

  constructor(private readonly o: { script: ScriptedReply[]; apiKey?: string }) {
    this.rescript(o.script);
    this.server = createServer((req, res) => this.handle(req, res));
  }

  /**
   * Starts over on a new script, for a test of its own on the same server (a platform's
   * component keeps one endpoint): replies from its first, and no request recorded yet.
   */
  rescript(script: ScriptedReply[]): this {
    if (!script.length) throw new Error('ScriptedOpenAi needs at least one reply');
    this.script = script;
    this.answered = 0;
    this.requests.length = 0;
    return this;
  }

  /** The base URL to put in the component's `endpoint` (it ends in /v1, like OpenAI's). */
  get url(): string {
    if (!this.port) throw new Error('ScriptedOpenAi is not started');
    return `http://127.0.0.1:${this.port}/v1`;
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as { port: number }).port;
    return this;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      let body: unknown;
      try {
        body = text ? JSON.parse(text) : undefined;
      } catch {
        body = text;
      }
      const record: RecordedRequest = {
        method: req.method ?? '',
        path: req.url ?? '',
        authorization: req.headers.authorization,
        body,
      };
      this.requests.push(record);
      const refuse = (status: number, code: string, message: string) => {
        record.rejected = message;
        const error = { message, type: 'invalid_request_error', param: null, code };
        res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ error }));
      };
      if (record.path !== '/v1/chat/completions')
        return refuse(404, 'unknown_url', `Unknown request URL: ${req.method} ${record.path}`);
      if (record.method !== 'POST')
        return refuse(405, 'method_not_allowed', `${record.method} is not allowed on ${record.path}`);
      const key = /^Bearer (.+)$/.exec(record.authorization ?? '')?.[1];
      if (!key || (this.o.apiKey !== undefined && key !== this.o.apiKey))
        return refuse(401, 'invalid_api_key', 'Incorrect API key provided.');
      if (!/^application\/json/.test(req.headers['content-type'] ?? ''))
        return refuse(400, 'invalid_content_type', 'Content-Type must be application/json');
      const invalid =
        typeof body === 'object' ? invalidChat(body) : 'We could not parse the JSON body of your request.';
      if (invalid) return refuse(400, 'invalid_request', invalid);
      const reply = this.script[Math.min(this.answered, this.script.length - 1)]!;
      this.answered += 1;
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify(this.completion(reply, (body as { model: string }).model)));
    });
  }

  private completion(reply: ScriptedReply, model: string): unknown {
    const n = this.answered;
    const calls =
      'toolCalls' in reply
        ? reply.toolCalls.map((c, i) => ({
            id: c.id ?? `call_${n}_${i}`,
            type: 'function',
            function: {
              name: c.name,
              arguments: typeof c.arguments === 'string' ? c.arguments : JSON.stringify(c.arguments),
            },
          }))
        : [];
    const message = { role: 'assistant', content: reply.text ?? null, ...(calls.length ? { tool_calls: calls } : {}) };
    const { promptTokens, completionTokens } = reply.usage;
    return {
      id: `chatcmpl-scripted-${n}`,
      object: 'chat.completion',
      created: Math.floor(Date.now() / 1000),
      model,
      choices: [{ index: 0, message, logprobs: null, finish_reason: calls.length ? 'tool_calls' : 'stop' }],
      usage: {
        prompt_tokens: promptTokens,
        completion_tokens: completionTokens,
        total_tokens: promptTokens + completionTokens,
      },
      system_fingerprint: null,
    };
  }
}

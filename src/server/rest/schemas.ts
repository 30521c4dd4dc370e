/**
 * The JSON schemas of the REST shim. Request schemas are checked by Ajv (strict: no coercion of
 * bodies, unknown fields refused); response schemas drive Fastify's serializer and, with the
 * request schemas, the OpenAPI document. Response objects are shared components (`$ref: 'Agent#'`).
 * Every response field is always sent (null when it has no value), so every one is `required`:
 * generated clients type them as present, and the serializer refuses a response that lacks one.
 */

type Schema = Record<string, unknown>;

export const nullable = (type: string, extra: Schema = {}): Schema => ({ type: [type, 'null'], ...extra });
const string = (description?: string, extra: Schema = {}): Schema => ({ type: 'string', ...(description ? { description } : {}), ...extra });
const dateTime = (nullableToo = false): Schema => (nullableToo ? nullable('string', { format: 'date-time' }) : { type: 'string', format: 'date-time' });
/** Any JSON value: caller-supplied data (metadata, tool arguments) passes through as it is. */
const anyJson = (description: string): Schema => ({ description });
const jsonObject = (description: string): Schema => ({ type: 'object', additionalProperties: true, description });
const object = (properties: Record<string, Schema>, required: string[] = [], extra: Schema = {}): Schema => ({
  type: 'object',
  properties,
  ...(required.length ? { required } : {}),
  additionalProperties: false,
  ...extra,
});
const ref = (id: string): Schema => ({ $ref: `${id}#` });
/** A response object: every property always present (nullable ones as null). */
const sent = (properties: Record<string, Schema>): Schema => ({ type: 'object', properties, required: Object.keys(properties) });
/** `schema` with each object in it (nested ones too) requiring all its properties, unless it lists its own. */
function allRequired(schema: Schema): Schema {
  const out: Schema = { ...schema };
  if (schema.properties) {
    const properties = schema.properties as Record<string, Schema>;
    out.properties = Object.fromEntries(Object.entries(properties).map(([name, property]) => [name, allRequired(property)]));
    out.required ??= Object.keys(properties);
  }
  if (schema.items) out.items = allRequired(schema.items as Schema);
  return out;
}

/** Where a run stands (GraphQL's RunStatus). */
const RUN_STATUSES = ['RUNNING', 'WAITING', 'COMPLETE', 'CANCELLED', 'FAILED'];
/** OpenAI's rule for function names (core/runs/client-tools.ts). */
const TOOL_NAME = { type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}$' };

const userId = string('Act for this user (admin keys and unbound user keys; a JWT or user-bound key may name only its own user).');

// ---- shared response components ----------------------------------------------------------------

export const SHARED_SCHEMAS: Schema[] = (
  [
    {
      $id: 'Error',
      type: 'object',
      description: 'Every refusal: the same codes as the GraphQL API (UNAUTHENTICATED, FORBIDDEN, NOT_FOUND, BAD_USER_INPUT, UPSTREAM_UNAVAILABLE, RATE_LIMITED, BUDGET_EXCEEDED, INVALID_OUTPUT, INTERNAL), details in snake_case.',
      properties: {
        error: {
          type: 'object',
          properties: {
            code: { type: 'string', enum: ['UNAUTHENTICATED', 'FORBIDDEN', 'NOT_FOUND', 'BAD_USER_INPUT', 'UPSTREAM_UNAVAILABLE', 'RATE_LIMITED', 'BUDGET_EXCEEDED', 'INVALID_OUTPUT', 'INTERNAL'] },
            message: { type: 'string' },
          },
          required: ['code', 'message'],
          additionalProperties: true,
        },
      },
      required: ['error'],
    },
    {
      $id: 'Usage',
      type: ['object', 'null'],
      description: 'Tokens the upstream model reported; null when it reported none.',
      properties: {
        prompt_tokens: { type: 'integer' },
        completion_tokens: { type: 'integer' },
        total_tokens: { type: 'integer' },
        memory_tokens: nullable('integer', { description: 'Of the prompt tokens, those memory added.' }),
      },
    },
    {
      $id: 'Routing',
      type: ['object', 'null'],
      description: 'How the agent was chosen.',
      properties: {
        agent_id: { type: 'string' },
        strategy: { type: 'string', enum: ['EXPLICIT', 'SINGLE', 'STICKY', 'ROUTING_CACHE', 'ROUTING_EMBEDDING', 'ROUTING_MODEL', 'FALLBACK'] },
        confidence: { type: 'number' },
        reason: { type: 'string' },
        cached: { type: 'boolean' },
        latency_ms: { type: 'number' },
        candidates: { type: 'array', items: { type: 'object', properties: { agent_id: { type: 'string' }, score: nullable('number') } } },
      },
    },
    {
      $id: 'Agent',
      type: 'object',
      properties: {
        agent_id: { type: 'string' },
        description: nullable('string'),
        system_message: nullable('string'),
        model: { type: 'string' },
        temperature: nullable('number'),
        max_tokens: nullable('integer'),
        tools: { type: 'array', items: { type: 'string' } },
        fallback_models: { type: 'array', items: { type: 'string' } },
        response_format: anyJson('Its answers’ default response format ({ type, name, schema, strict }); null for text answers.'),
        require_approval: { type: 'array', items: { type: 'string' }, description: 'Tools whose calls wait for a person (POST /runs/{run_id}/approvals) before they run; "*" for all; empty for none.' },
        a2a: { type: 'boolean', description: 'Published under the A2A protocol: its agent card at /a2a/{agent_id}/.well-known/agent-card.json, its JSON-RPC endpoint at /a2a/{agent_id}.' },
        delegates: { type: 'array', items: { type: 'string' }, description: 'Agents it may delegate to, each offered to its model as an `ask_<agent_id>` tool (a child run answers).' },
        handoffs: { type: 'array', items: { type: 'string' }, description: 'Agents it may pass the conversation to, each offered as a `transfer_to_<agent_id>` tool.' },
        is_default: { type: 'boolean' },
        user_id: nullable('string', { description: 'Set for a per-user agent; null for a global one.' }),
        created_at: dateTime(),
        updated_at: dateTime(),
      },
    },
    {
      $id: 'PendingToolCall',
      type: 'object',
      description: 'A tool call a paused run waits for.',
      properties: {
        call_id: { type: 'string', description: 'The id to answer it by.' },
        kind: { type: 'string', enum: ['CLIENT_TOOL', 'APPROVAL'], description: 'CLIENT_TOOL: the client runs it and sends its result (POST /runs/{run_id}/tool_results); APPROVAL: one of the agent’s tools, waiting for a person (POST /runs/{run_id}/approvals).' },
        tool: { type: 'string', description: 'The function name the model called.' },
        server_id: nullable('string', { description: 'Approvals: the MCP server of the tool; null for in-process and client tools.' }),
        arguments: anyJson('The arguments the model sent, parsed; the raw text when it was not valid JSON.'),
      },
    },
    {
      $id: 'ChatResponse',
      type: 'object',
      properties: {
        agent_id: { type: 'string' },
        conversation_id: { type: 'string' },
        message_id: { type: 'string' },
        run_id: { type: 'string' },
        response: { type: 'string', description: 'The answer’s text.' },
        usage: ref('Usage'),
        routing: ref('Routing'),
        status: {
          type: 'string',
          enum: RUN_STATUSES,
          description:
            'The run’s: WAITING when it paused for its client (`pending_tool_calls` says for what; answer them with POST /runs/{run_id}/tool_results or /approvals); ' +
            'CANCELLED when it was cancelled (`response` holds the text that had arrived); RUNNING and FAILED only from GET /runs/{run_id}.',
        },
        pending_tool_calls: { type: 'array', items: ref('PendingToolCall'), description: 'The calls the run waits for; empty unless WAITING.' },
        finish_reason: nullable('string'),
        json: anyJson('A structured answer (`response_format`), parsed and checked against its schema; null for text answers.'),
      },
    },
    {
      $id: 'Conversation',
      type: 'object',
      properties: {
        conversation_id: { type: 'string' },
        user_id: nullable('string'),
        title: { type: 'string' },
        created_at: dateTime(),
        updated_at: dateTime(),
      },
    },
    {
      $id: 'Message',
      type: 'object',
      properties: {
        message_id: { type: 'string' },
        conversation_id: { type: 'string' },
        role: { type: 'string', enum: ['user', 'assistant'] },
        content: { type: 'string' },
        status: { type: 'string', enum: ['STREAMING', 'WAITING', 'COMPLETE', 'CANCELLED', 'FAILED'], description: 'WAITING: its run waits for its client (`pending_tool_calls`).' },
        agent_id: nullable('string'),
        run_id: nullable('string'),
        finish_reason: nullable('string'),
        error_code: nullable('string'),
        usage: ref('Usage'),
        metadata: anyJson('As sent with the message.'),
        routing: ref('Routing'),
        pending_tool_calls: { type: 'array', items: ref('PendingToolCall'), description: 'Answers WAITING: the calls their run waits for; empty otherwise.' },
        parts: {
          type: 'array',
          description: 'The message as parts: its text (left out only for a message of images alone), then its images in order.',
          items: ref('MessagePart'),
        },
        created_at: dateTime(),
      },
    },
    {
      $id: 'MessagePart',
      type: 'object',
      description:
        'A `text` part (`text` set, the rest null) or an `image` part: a stored image (`file_id`; GET `url`, /files/{file_id}, with the same credentials) or a URL the model was given (`url`, `file_id` null).',
      properties: {
        type: { type: 'string', enum: ['text', 'image'] },
        text: nullable('string'),
        url: nullable('string'),
        file_id: nullable('string'),
        media_type: nullable('string', { enum: ['image/png', 'image/jpeg', 'image/webp', 'image/gif', null] }),
        byte_size: nullable('integer'),
        width: nullable('integer'),
        height: nullable('integer'),
        filename: nullable('string'),
        detail: nullable('string', { enum: ['auto', 'low', 'high', null] }),
      },
    },
    {
      $id: 'Memory',
      type: 'object',
      properties: {
        memory_id: { type: 'string' },
        user_id: nullable('string'),
        agent_id: nullable('string'),
        content: { type: 'string' },
        metadata: jsonObject('Filterable by containment in searches.'),
        importance: { type: 'number' },
        source: { type: 'string', enum: ['MANUAL', 'EXTRACTED', 'AGENT'] },
        source_message_id: nullable('string'),
        confidence: { type: 'number' },
        fact_key: nullable('string'),
        valid_until: dateTime(true),
        superseded_by: nullable('string'),
        created_at: dateTime(),
        updated_at: dateTime(),
      },
    },
    {
      $id: 'MemoryHit',
      type: 'object',
      properties: {
        id: { type: 'string', description: 'A message id (BUFFER) or a memory id (LONG_TERM).' },
        source: { type: 'string', enum: ['BUFFER', 'LONG_TERM'] },
        content: { type: 'string' },
        score: { type: 'number' },
        metadata: anyJson('The message’s or memory’s metadata.'),
        created_at: dateTime(),
        conversation_id: nullable('string'),
        role: nullable('string'),
        agent_id: nullable('string'),
      },
    },
    {
      $id: 'UserContext',
      type: 'object',
      properties: {
        user_id: { type: 'string' },
        knowledge: jsonObject('The merged knowledge, as one JSON object.'),
        facts: {
          type: 'array',
          items: {
            type: 'object',
            properties: {
              path: { type: 'array', items: { type: 'string' } },
              value: anyJson('A JSON leaf: string, number, boolean, null or array.'),
              importance: { type: 'number' },
              source: { type: 'string' },
              confidence: { type: 'number' },
              source_message_id: nullable('string'),
              updated_at: dateTime(),
            },
          },
        },
      },
    },
    {
      $id: 'ForgetReceipt',
      type: 'object',
      description: 'What was removed, by kind.',
      properties: Object.fromEntries(
        ['conversations', 'messages', 'files', 'memories', 'user_context_facts', 'agents', 'api_keys', 'runs', 'cached_answers', 'routing_decisions'].map((kind) => [kind, { type: 'integer' }]),
      ),
    },
    {
      $id: 'McpTool',
      type: 'object',
      properties: {
        server_id: { type: 'string' },
        name: { type: 'string' },
        description: nullable('string'),
        input_schema: jsonObject('The tool’s JSON Schema for its parameters.'),
        function_name: { type: 'string', description: 'The function name models are offered (`<server>__<tool>`).' },
      },
    },
    {
      $id: 'McpServer',
      type: 'object',
      properties: {
        server_id: { type: 'string' },
        transport: { type: 'string', enum: ['HTTP', 'STDIO'] },
        url: nullable('string'),
        command: nullable('string'),
        args: { type: 'array', items: { type: 'string' } },
        header_names: { type: 'array', items: { type: 'string' }, description: 'Header values are secrets: never returned.' },
        env_names: { type: 'array', items: { type: 'string' }, description: 'Environment values are secrets: never returned.' },
        status: { type: 'string', enum: ['CONNECTING', 'CONNECTED', 'FAILED'] },
        error: nullable('string'),
        connected_at: dateTime(true),
        tools: { type: 'array', items: ref('McpTool') },
      },
    },
    {
      $id: 'RemoteAgentSkill',
      type: 'object',
      properties: {
        id: { type: 'string' },
        name: { type: 'string' },
        description: { type: 'string' },
        tags: { type: 'array', items: { type: 'string' } },
        examples: { type: 'array', items: { type: 'string' } },
      },
    },
    {
      $id: 'RemoteAgent',
      type: 'object',
      properties: {
        agent_id: { type: 'string' },
        url: { type: 'string', description: 'The agent card’s URL, or the base its card is found under (/.well-known/agent-card.json).' },
        header_names: { type: 'array', items: { type: 'string' }, description: 'Header values are secrets: never returned.' },
        status: { type: 'string', enum: ['CONNECTING', 'CONNECTED', 'FAILED'] },
        error: nullable('string'),
        connected_at: dateTime(true),
        name: nullable('string', { description: 'From its agent card; null until a card was read.' }),
        description: nullable('string', { description: 'From its agent card: routing reads it, with the skills.' }),
        version: nullable('string'),
        skills: { type: 'array', items: ref('RemoteAgentSkill') },
        streaming: { type: 'boolean', description: 'Its card says it streams (message/stream).' },
      },
    },
    {
      $id: 'Budget',
      type: 'object',
      description: 'A limit on what one API key or one user may spend per UTC day or month, with what is spent in the current period.',
      properties: {
        id: { type: 'string' },
        scope: { type: 'string', enum: ['KEY', 'USER'] },
        key_id: nullable('string', { description: 'KEY budgets: the API key (`env:…` for ADMIN_API_KEY / USER_API_KEY).' }),
        user_id: nullable('string', { description: 'USER budgets: the user.' }),
        metric: { type: 'string', enum: ['TOKENS', 'COST'], description: 'TOKENS: input + output tokens; COST: US dollars (MODEL_PRICES).' },
        period: { type: 'string', enum: ['DAY', 'MONTH'], description: 'A UTC calendar day or month.' },
        limit: { type: 'number', description: 'Tokens or dollars per period.' },
        hard: { type: 'boolean', description: 'Hard: a spent budget refuses runs (429 BUDGET_EXCEEDED) and stops them after their current step. Soft: only warns.' },
        spent: { type: 'number' },
        remaining: { type: 'number' },
        resets_at: dateTime(),
        exceeded: { type: 'boolean' },
        created_at: dateTime(),
      },
    },
    {
      $id: 'McpToolResult',
      type: 'object',
      properties: {
        content: { type: 'array', items: jsonObject('An MCP content block: text, image, audio, resource or resource_link.') },
        text: { type: 'string', description: 'The text blocks joined by newlines.' },
        structured_content: anyJson('The tool’s structured result, if any.'),
        is_error: { type: 'boolean', description: 'The tool failed (or did not answer in time); `content` says why.' },
      },
    },
    {
      $id: 'Token',
      type: 'object',
      properties: {
        access_token: { type: 'string' },
        token_type: { type: 'string', enum: ['bearer'] },
        expires_in: { type: 'integer', description: 'Seconds.' },
        expires_at: dateTime(),
        token_id: { type: 'string', description: 'The token’s id (jti), for revocation.' },
      },
    },
  ] satisfies Schema[]
).map(allRequired);

/** GET /health's document (no shared reference: the route also stands alone for load balancers). */
export const healthDocument: Schema = allRequired({
  type: 'object',
  properties: {
    status: { type: 'string', enum: ['ok', 'degraded', 'draining'], description: 'ok: 200; degraded (database down) and draining (shutting down): 503.' },
    version: { type: 'string' },
    database: { type: 'string', enum: ['up', 'down'] },
    database_kind: { type: 'string', enum: ['pglite', 'postgres'] },
    uptime_seconds: { type: 'integer' },
    vector_search: { type: 'string', enum: ['available', 'unavailable', 'disabled'], description: 'Memory search by vectors and full text (available) or by full text alone.' },
    vector_search_reason: nullable('string'),
    redis: { type: 'string', enum: ['up', 'down', 'none'], description: 'The shared Redis (REDIS_URL): none when one process runs alone; down is reported, not a 503.' },
    budgets: {
      type: 'string',
      enum: ['shared', 'per_replica', 'single_process'],
      description: 'Where budgets are counted: shared (Redis, across replicas), per_replica (Redis is down: each replica enforces them alone, from the ledger), single_process (no Redis).',
    },
  },
});

// ---- request parts -------------------------------------------------------------------------------

export const userIdQuery = object({ user_id: userId });

/** `{ name?, schema, strict? }`, as GraphQL's ResponseFormatInput; null or absent: the agent's, else text. */
function responseFormat(description: string): Schema {
  return nullable('object', {
    description,
    properties: {
      name: string('1-64 of a-z, A-Z, 0-9, "_", "-"; "answer" when absent.'),
      schema: jsonObject('A JSON Schema (2020-12; draft-07 reads the same) the answer must match; one that does not compile is BAD_USER_INPUT.'),
      strict: nullable('boolean', { description: 'OpenAI’s strict mode; when absent, strict if the schema meets strict mode’s rules.' }),
    },
    required: ['schema'],
    additionalProperties: false,
  });
}

const clientTool = object(
  {
    name: { ...TOOL_NAME, description: 'Its function name: 1-64 letters, digits, "_" or "-"; not one of the agent’s own tool names.' },
    description: nullable('string', { description: 'What it does, for the model.' }),
    parameters: nullable('object', { additionalProperties: true, description: 'The JSON Schema of its arguments (an object schema); `{ "type": "object" }` when absent.' }),
  },
  ['name'],
);

const toolChoice: Schema = {
  description: 'Which tool the model calls on its first step: "auto" (it chooses; the default), "none", "required" (some tool), or `{ "name" }` (that one: a client tool or one of the agent’s).',
  oneOf: [{ type: 'string', enum: ['auto', 'none', 'required'] }, { type: 'null' }, object({ name: TOOL_NAME }, ['name'])],
};

const IMAGES_DESCRIPTION =
  'Images with the message, after its text for the model: PNG, JPEG, WebP or GIF by content (not by name or claimed type), at most IMAGE_MAX_BYTES each and MAX_IMAGES_PER_MESSAGE in all. ' +
  'Stored images (uploads, data: URLs) replay with the conversation; https URLs go to the model as they are. Memory, routing and fact extraction read the text only.';

const imageDetail = nullable('string', { enum: ['auto', 'low', 'high', null], description: 'OpenAI’s image detail; the provider’s default when absent.' });

/** JSON: `{ url }`, `{ data_url }` or `{ file_id }`, each with an optional `detail`. */
const jsonImage: Schema = {
  type: 'object',
  description: 'Exactly one of `url` (https, passed to the model; http only for localhost; a data: URL reads as `data_url`), `data_url` (base64; stored) or `file_id` (an image stored before, of the same owner).',
  properties: {
    url: string('An https URL.'),
    data_url: string('A base64 data: URL (data:image/png;base64,…).'),
    file_id: string('A stored image’s id (a message part’s file_id).'),
    detail: imageDetail,
  },
  minProperties: 1,
  additionalProperties: false,
};

const chatFields = {
  message: string('The user’s message (may be empty when `images` are given).'),
  images: nullable('array', { items: jsonImage, description: `${IMAGES_DESCRIPTION} A JSON body counts against BODY_LIMIT_BYTES: send large images as multipart/form-data.` }),
  user_id: nullable('string', { description: userId.description }),
  conversation_id: nullable('string', { description: 'Continue this conversation (yours); a new one when absent.' }),
  metadata: anyJson('Stored with the message (a JSON value, at most METADATA_MAX_BYTES).'),
  response_format: responseFormat(
    'A structured answer: the model is asked for JSON matching `schema`, the answer is checked and sent parsed in `json` (MessageCompleted.json when streaming). ' +
      'One that does not match is retried once with the errors (an AnswerRejected event), then the run fails with INVALID_OUTPUT (502). Replaces the agent’s own.',
  ),
  client_tools: nullable('array', {
    items: clientTool,
    maxItems: 128,
    description:
      'Tools the client runs (a UI action, a browser API), offered to the model beside the agent’s own. A call of one pauses the run (ToolCallRequested, RunPaused; status WAITING) ' +
      'until POST /runs/{run_id}/tool_results answers it; the same run then goes on.',
  }),
  tool_choice: toolChoice,
  parallel_tool_calls: nullable('boolean', { description: 'Whether the model may call several tools in one step; the provider’s default when absent.' }),
};

export const chatBody = object(
  {
    ...chatFields,
    stream: {
      type: 'boolean',
      description:
        'For the reference’s clients: true (or an `Accept` naming text/event-stream) answers with the run’s events as Server-Sent Events instead, as POST /runs does. ' +
        'This operation describes the JSON answer only; generated clients stream with POST /runs.',
    },
  },
  ['message'],
);

export const startRunBody = object({ ...chatFields, agent_id: nullable('string', { description: 'The agent that answers; routing picks one when absent.' }) }, ['message']);

/**
 * The same fields as multipart/form-data: text fields as text (`metadata`, `response_format`, `client_tools`
 * and `tool_choice` as JSON text, `stream` as true or false), `images` repeated, each a file or a URL as text.
 */
function chatForm(json: Schema): Schema {
  const properties = { ...(json.properties as Record<string, Schema>) };
  properties.images = {
    type: 'array',
    items: { type: 'string', format: 'binary', description: 'An image file, or an https or data: URL as text.' },
    description: `${IMAGES_DESCRIPTION} Repeat the field for each image; the form may be up to MAX_IMAGES_PER_MESSAGE × IMAGE_MAX_BYTES larger than BODY_LIMIT_BYTES.`,
  };
  // Sent as JSON text (OpenAPI's default encoding of an object in a form), read as their JSON values.
  for (const name of ['metadata', 'response_format', 'client_tools', 'tool_choice']) properties[name] = { ...properties[name], description: `${String(properties[name]!.description)} As JSON text.` };
  properties.stream &&= { ...properties.stream, description: 'true or false (see the JSON body).' };
  properties.parallel_tool_calls &&= { ...properties.parallel_tool_calls, description: 'true or false (see the JSON body).' };
  return { ...json, properties };
}

/** A chat body as JSON or as multipart/form-data (with uploads). */
const jsonOrForm = (json: Schema): Schema => ({ content: { 'application/json': { schema: json }, 'multipart/form-data': { schema: chatForm(json) } } });
export const chatRequestBody = jsonOrForm(chatBody);
export const startRunRequestBody = jsonOrForm(startRunBody);

export const fileIdParams = object({ file_id: string('A stored image’s id (a message part’s file_id).') }, ['file_id']);

export const agentNameParams = object({ agent_name: string('The agent that answers (its id).') }, ['agent_name']);
export const agentIdParams = object({ agent_id: string() }, ['agent_id']);
export const runIdParams = object({ run_id: string() }, ['run_id']);
export const conversationIdParams = object({ conversation_id: string() }, ['conversation_id']);
export const memoryIdParams = object({ memory_id: string() }, ['memory_id']);
export const userIdParams = object({ user_id: string() }, ['user_id']);
export const serverIdParams = object({ server_id: string() }, ['server_id']);
export const remoteAgentIdParams = object({ agent_id: string('The remote agent’s id.') }, ['agent_id']);
export const budgetIdParams = object({ budget_id: string('The budget’s id.') }, ['budget_id']);
export const budgetQuery = object({ key_id: string('Only this API key’s budgets.'), user_id: string('Only this user’s budgets.') });
export const setBudgetBody = object(
  {
    key_id: string('The API key (its id, or `env:…`). Give this or user_id.'),
    user_id: string('The user: one an API key is bound to, or who has a conversation or recorded usage. Give this or key_id.'),
    tokens: { type: 'integer', description: 'A token budget (input + output), 1 to 1e12. Give this or cost_usd.' },
    cost_usd: { type: 'number', description: 'A dollar budget, more than 0, at most 1e9. Give this or tokens.' },
    period: { type: 'string', enum: ['DAY', 'MONTH'] },
    hard: { type: 'boolean', default: true, description: 'True: refuses and stops runs; false: only warns.' },
  },
  ['period'],
);

export const toolParams = object({ server_id: string(), tool_name: string() }, ['server_id', 'tool_name']);

export const createAgentBody = object(
  {
    agent_id: string('1-64 characters of a-z, 0-9, "_" or "-", starting with a letter or digit.'),
    description: nullable('string', { description: 'What the agent is for: routing reads it.' }),
    system_message: nullable('string'),
    model: nullable('string', { description: 'A model name, or "provider:model"; DEFAULT_MODEL when absent.' }),
    set_as_default: nullable('boolean', { description: 'Answer chats that name no agent when routing cannot choose.' }),
    tools: nullable('array', { items: { type: 'string' }, description: 'Tool names, MCP server ids (all their tools) or "server/tool".' }),
    temperature: nullable('number'),
    max_tokens: nullable('integer'),
    fallback_models: nullable('array', { items: { type: 'string' } }),
    response_format: responseFormat('Structured answers by default: chats that give no `response_format` of their own get this one.'),
    require_approval: nullable('array', {
      items: { type: 'string' },
      maxItems: 100,
      description: 'Tools whose calls wait for a person’s approval (POST /runs/{run_id}/approvals) before they run: tool names, MCP server ids, "server/tool", or "*" for every tool.',
    }),
    a2a: nullable('boolean', { description: 'Publish it under the A2A protocol (an agent card and a JSON-RPC endpoint); false when absent.' }),
    delegates: nullable('array', {
      items: { type: 'string' },
      maxItems: 20,
      description: 'Agents it may delegate to (`ask_<agent_id>` tools): each must exist and be visible to its users; a delegation cycle, or a chain deeper than MAX_DELEGATION_DEPTH, is refused (400).',
    }),
    handoffs: nullable('array', { items: { type: 'string' }, maxItems: 20, description: 'Agents it may pass the conversation to (`transfer_to_<agent_id>` tools); each must exist and be visible to its users.' }),
    user_id: nullable('string', { description: 'A per-user agent, visible to that user only.' }),
  },
  ['agent_id'],
);

export const tokenBody = object({
  user_id: string('The user the token acts for; the credential’s own user when absent.'),
  expires_in: { type: 'integer', description: 'Lifetime in seconds (at most MAX_TOKEN_TTL_SECONDS); JWT_TTL_SECONDS when absent.' },
});

export const toolResultsBody = object(
  {
    results: {
      type: 'array',
      minItems: 1,
      items: object(
        {
          call_id: string('The call, as ToolCallRequested (or `pending_tool_calls`) named it.'),
          output: anyJson('What the tool returned: any JSON (a string is sent to the model as it is, anything else as JSON text), at most MAX_TOOL_RESULT_CHARS.'),
          error: nullable('string', { description: 'Why the tool failed; the model reads it.' }),
        },
        ['call_id'],
        { description: 'One of `output` and `error`.' },
      ),
      description: 'One result per call; all are stored or none is. Calls of one step may be answered in several requests: the run goes on once none waits.',
    },
    user_id: nullable('string', { description: userId.description }),
  },
  ['results'],
);

export const approvalBody = object(
  {
    call_id: string('The call, as ToolApprovalRequested (or `pending_tool_calls`) named it.'),
    approved: { type: 'boolean', description: 'True lets it run; false tells the model it was refused (with `reason`), and the answer goes on.' },
    reason: nullable('string', { description: 'Why; stored with the decision, and the model reads it when the call is refused.' }),
    user_id: nullable('string', { description: userId.description }),
  },
  ['call_id', 'approved'],
);

export const runEventsQuery = object({
  after: { type: 'integer', minimum: 0, description: 'Send the events after this seq (Last-Event-ID takes precedence); 0 for all.' },
  user_id: userId,
});

export const pageQuery = object({
  first: { type: 'integer', minimum: 1, maximum: 100, default: 20 },
  after: string('A cursor from a previous page’s end_cursor.'),
  user_id: userId,
});

export const listMemoriesQuery = object({
  first: { type: 'integer', minimum: 1, maximum: 100, default: 20 },
  after: string('A cursor from a previous page’s end_cursor.'),
  agent_id: string('That agent’s memories and those of no agent.'),
  include_superseded: { type: 'boolean', default: false },
  user_id: userId,
});

export const addBufferBody = object(
  {
    message: string(),
    role: { type: 'string', enum: ['user', 'assistant'], default: 'user' },
    conversation_id: nullable('string', { description: 'A new conversation when absent.' }),
    agent_id: nullable('string'),
    user_id: nullable('string'),
    metadata: nullable('object', { additionalProperties: true }),
    confirm_sensitive: nullable('boolean', { description: 'Store it even though it looks like a secret.' }),
  },
  ['message'],
);

export const addLongTermBody = object(
  {
    content: string(),
    metadata: nullable('object', { additionalProperties: true }),
    importance: nullable('number', { description: '0 to 1; 0.5 when absent.' }),
    agent_id: nullable('string', { description: 'Used by this agent only; by every agent when absent.' }),
    user_id: nullable('string'),
    confirm_sensitive: nullable('boolean', { description: 'Store it even though it looks like a secret.' }),
  },
  ['content'],
);

export const searchMemoryBody = object(
  {
    query: string(),
    k: { type: 'integer', default: 5, description: '1 to 100.' },
    use_long_term: { type: 'boolean', default: true },
    agent_id: nullable('string'),
    conversation_id: nullable('string', { description: 'Buffer hits from this conversation only; from all of the caller’s when absent.' }),
    user_id: nullable('string'),
    metadata: nullable('object', { additionalProperties: true, description: 'Long-term memories whose metadata contains this object.' }),
    created_after: nullable('string', { format: 'date-time' }),
    created_before: nullable('string', { format: 'date-time' }),
  },
  ['query'],
);

export const addUserContextBody = object(
  {
    user_id: nullable('string'),
    knowledge: { type: 'object', additionalProperties: true, description: 'Deep-merged into the user’s context.' },
    importance: nullable('number'),
    confirm_sensitive: nullable('boolean'),
  },
  ['knowledge'],
);

export const clearMemoryBody = object({
  agent_id: nullable('string', { description: 'That agent’s long-term memories.' }),
  conversation_id: nullable('string', { description: 'That conversation’s messages.' }),
  user_id: nullable('string'),
});

export const registerMcpServerBody = object(
  {
    server_id: string('1-64 characters of a-z, 0-9, "_" or "-".'),
    url: nullable('string', { description: 'Streamable HTTP (or HTTP+SSE) server.' }),
    headers: nullable('object', { additionalProperties: { type: 'string' }, description: 'Sent to an HTTP server; secrets, never returned.' }),
    command: nullable('string', { description: 'A stdio server: the command the gateway runs.' }),
    args: nullable('array', { items: { type: 'string' } }),
    env: nullable('object', { additionalProperties: { type: 'string' }, description: 'A stdio server’s environment; secrets, never returned.' }),
  },
  ['server_id'],
);

export const registerRemoteAgentBody = object(
  {
    agent_id: string('1-64 characters of a-z, 0-9, "_" or "-"; shared with agents and MCP servers.'),
    url: string('The agent card’s URL (ending in .json), or a base URL whose /.well-known/agent-card.json is the card.'),
    headers: nullable('object', { additionalProperties: { type: 'string' }, description: 'Sent with every request; secrets, never returned.' }),
  },
  ['agent_id', 'url'],
);

export const executeToolBody = object({
  parameters: { type: 'object', additionalProperties: true, description: 'The tool’s arguments, checked against its input schema.' },
});

// ---- responses -----------------------------------------------------------------------------------

const ERROR = ref('Error');
/** The refusals every authenticated route may answer with. */
export const errorResponses = (...statuses: number[]): Record<number, Schema> =>
  Object.fromEntries([400, 401, 403, 429, ...statuses].map((status) => [status, { ...ERROR, description: ERROR_DESCRIPTIONS[status] ?? 'Refused' }]));

const ERROR_DESCRIPTIONS: Record<number, string> = {
  400: 'BAD_USER_INPUT: the body, path or query breaks the schema or a limit (the message names the field)',
  401: 'UNAUTHENTICATED: no credential, or one that is not valid',
  403: 'FORBIDDEN: the credential may not do this (admin scope, another user)',
  404: 'NOT_FOUND: unknown, or not visible to this caller',
  413: 'BAD_USER_INPUT: the body is larger than BODY_LIMIT_BYTES',
  429: 'RATE_LIMITED: retry after Retry-After seconds; BUDGET_EXCEEDED: a hard budget of the key or user is spent (`budget_id`, `scope`, `resets_at`), retry after Retry-After seconds',
  502: 'UPSTREAM_UNAVAILABLE: the model provider or MCP server failed; INVALID_OUTPUT: a structured answer failed its response format twice',
  503: 'UPSTREAM_UNAVAILABLE: the gateway cannot take this now (shutting down)',
};

export const jsonResponse = (schema: Schema, description: string): Schema => ({ ...schema, description });

const RUN_EVENTS =
  'One event per run event: `id:` its seq, `event:` its type (RunStarted, AgentSelected, ModelFallback, TokenDelta, ToolCallStarted, ToolCallCompleted, ToolCallRequested, ' +
  'ToolApprovalRequested, RunPaused, RunResumed, ToolCallDecided, AnswerRejected, DelegationStarted, DelegationCompleted, Handoff, MessageCompleted, RunFailed), `data:` the event as snake_case JSON. ' +
  'A delegation (an `ask_<agent_id>` call) sends DelegationStarted (`parent_run_id`, `child_run_id`, `agent_id`), the child run’s events (their `run_id` is the child’s; `id:` stays this stream’s seq), then DelegationCompleted (`child_run_id`, `is_error`); ' +
  'a handoff sends Handoff (`from_agent_id`, `to_agent_id`, `reason`) and the receiving agent goes on in the same stream. ' +
  'A run that needs its client sends ToolCallRequested or ToolApprovalRequested (`call_id`, `tool`, `server_id`, `arguments`) for each call, then RunPaused (`call_ids`, `expires_at`), and the stream stays open: ' +
  'once the calls are answered (POST /runs/{run_id}/tool_results, /approvals) the same run goes on with RunResumed, ToolCallDecided (`approved`, `reason`, `decided_by`) for each approval, and the rest. ' +
  'A structured answer’s MessageCompleted carries `json`; AnswerRejected (`errors`) says the text so far failed its response format and is replaced by what follows. ' +
  'Comment lines (`: heartbeat`) keep idle streams open. The stream ends after MessageCompleted or RunFailed ' +
  '(or `event: error` with the error body, for a reader too far behind: resume from the last id).';

/** A run's events as Server-Sent Events, with the headers that name the run from the start. */
export const eventStream = (description: string, headers: Record<string, Schema>): Schema => ({
  description,
  headers,
  content: { 'text/event-stream': { schema: { type: 'string', description: RUN_EVENTS } } },
});
export const RUN_ID_HEADER = { 'X-Run-Id': string('The run: resume with GET /runs/{run_id}/events, stop with POST /runs/{run_id}/cancel.') };
export const CONVERSATION_ID_HEADER = { 'X-Conversation-Id': string('The conversation the run answers in.') };

export const noContent = (description: string): Schema => ({ type: 'null', description });

export const agentList = sent({ agents: { type: 'array', items: ref('Agent') } });
export const serverList = sent({ servers: { type: 'array', items: ref('McpServer') } });
export const remoteAgentList = sent({ remote_agents: { type: 'array', items: ref('RemoteAgent') } });
export const budgetList = sent({ budgets: { type: 'array', items: ref('Budget') } });
export const toolList = sent({ tools: { type: 'array', items: ref('McpTool') } });
export const searchResults = sent({ results: { type: 'array', items: ref('MemoryHit') } });
export const memoryPage = sent({ memories: { type: 'array', items: ref('Memory') }, has_next_page: { type: 'boolean' }, end_cursor: nullable('string') });
export const conversationPage = sent({ conversations: { type: 'array', items: ref('Conversation') }, has_next_page: { type: 'boolean' }, end_cursor: nullable('string') });
export const conversationWithMessages = sent({ conversation: ref('Conversation'), messages: { type: 'array', items: ref('Message') } });
export const cancelResult = sent({ cancelled: { type: 'boolean', description: 'True when cancelled now; false when the run had already ended.' } });
export { ref };

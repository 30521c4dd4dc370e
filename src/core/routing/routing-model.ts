import type { TokenUsage } from '../models/chat-model.js';
import type { ModelRegistry } from '../models/model-registry.js';
import { PARSE_CONFIDENCE, parseAgentId } from './parse-agent-id.js';
import { buildRoutingPrompt, type PromptCandidate } from './routing-prompt.js';
import type { RoutingOutcome } from './routing-outcome.js';
import type { RoutingSettings } from './routing-settings.js';

/** Asks the routing model to pick one of `pool`; anything but a candidate id is a failure. `onUsage` gets the call's reported tokens, whatever it answered. */
export async function askRoutingModel(
  models: ModelRegistry,
  settings: RoutingSettings,
  pool: PromptCandidate[],
  message: string,
  signal: AbortSignal,
  onUsage?: (usage: TokenUsage) => void,
): Promise<RoutingOutcome> {
  // Resolved per call: a provider registered after start-up (registerModel) is used at once.
  const resolved = models.resolve(`${settings.provider}:${settings.model}`);
  const completion = await resolved.model.complete({
    model: resolved.name,
    messages: buildRoutingPrompt(pool, message),
    temperature: settings.temperature,
    maxTokens: settings.maxTokens,
    signal,
  });
  if (completion.usage) onUsage?.(completion.usage);
  const parsed = parseAgentId(completion.content, pool.map((c) => c.id));
  if (parsed.kind === 'candidate') {
    const how = parsed.form === 'exact' ? '' : ` (read from a ${parsed.form} answer)`;
    return { ok: true, agentId: parsed.agentId, strategy: 'ROUTING_MODEL', confidence: PARSE_CONFIDENCE[parsed.form], reason: `the routing model chose "${parsed.agentId}"${how}` };
  }
  if (parsed.kind === 'unknown') return { ok: false, reason: `the routing model named "${parsed.named}", which is not among the candidate agents` };
  return { ok: false, reason: completion.content.trim() ? 'the routing model named no candidate agent' : 'the routing model gave an empty answer' };
}

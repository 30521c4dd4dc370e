/** How the routing model's answer named an agent; fuzzier forms earn less confidence. */
export type ParseForm = 'exact' | 'formatted' | 'mention';

export type ParsedAnswer =
  | { kind: 'candidate'; agentId: string; form: ParseForm }
  /** The answer named an agent id that is not a candidate (kept short and id-shaped for the reason). */
  | { kind: 'unknown'; named: string }
  | { kind: 'none' };

export const PARSE_CONFIDENCE: Record<ParseForm, number> = { exact: 0.9, formatted: 0.8, mention: 0.6 };

const ID_SHAPE = /^[a-z0-9][a-z0-9_-]{0,63}$/;
const ID_CHARS = 'a-z0-9_-';

/**
 * Reads an agent id out of the routing model's answer, in order: the whole answer is an id; a
 * formatted answer (`Agent ID: x`, quoted, backticked, JSON); the earliest whole-word mention of a
 * candidate. Only a candidate id ever comes out.
 */
export function parseAgentId(answer: string, candidateIds: readonly string[]): ParsedAnswer {
  const text = answer.trim().toLowerCase();
  if (!text) return { kind: 'none' };
  const candidates = new Set(candidateIds);
  const judge = (id: string, form: ParseForm): ParsedAnswer => (candidates.has(id) ? { kind: 'candidate', agentId: id, form } : { kind: 'unknown', named: id });

  const bare = text.replace(/[.!]+$/, '');
  if (ID_SHAPE.test(bare) && candidates.has(bare)) return { kind: 'candidate', agentId: bare, form: 'exact' };

  const formatted = formattedId(bare);
  if (formatted !== undefined) return judge(formatted, 'formatted');

  const mentioned = earliestMention(text, candidateIds);
  if (mentioned) return { kind: 'candidate', agentId: mentioned, form: 'mention' };
  // A lone id-shaped word that is no candidate: the model named something else.
  if (ID_SHAPE.test(bare)) return { kind: 'unknown', named: bare };
  return { kind: 'none' };
}

function formattedId(text: string): string | undefined {
  const json = jsonId(text);
  if (json !== undefined) return json;
  const labelled = /agent[ _-]?id\s*[:=]\s*["'`*]*([a-z0-9][a-z0-9_-]{0,63})/.exec(text);
  if (labelled) return labelled[1];
  const wrapped = /^(["'`*]+)([a-z0-9][a-z0-9_-]{0,63})\1$/.exec(text);
  return wrapped?.[2];
}

function jsonId(text: string): string | undefined {
  const object = /\{[\s\S]*\}/.exec(text.replace(/^```(?:json)?|```$/g, ''));
  if (!object) return undefined;
  try {
    const parsed: unknown = JSON.parse(object[0]);
    if (parsed && typeof parsed === 'object') {
      const value = (parsed as Record<string, unknown>).agent_id ?? (parsed as Record<string, unknown>).agentid;
      if (typeof value === 'string' && ID_SHAPE.test(value.trim())) return value.trim();
    }
  } catch {
    // Not JSON: the other forms get their turn.
  }
  return undefined;
}

/** Whole word: an id inside a longer id ("code" in "code-review") does not count. */
function earliestMention(text: string, candidateIds: readonly string[]): string | undefined {
  let best: { id: string; at: number } | undefined;
  for (const id of candidateIds) {
    const match = new RegExp(`(?<![${ID_CHARS}])${escape(id)}(?![${ID_CHARS}])`).exec(text);
    if (!match) continue;
    if (!best || match.index < best.at || (match.index === best.at && id.length > best.id.length)) best = { id, at: match.index };
  }
  return best?.id;
}

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\-]/g, '\\$&');

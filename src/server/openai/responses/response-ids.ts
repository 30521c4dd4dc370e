/**
 * The ids /v1/responses hands out, each reversible to the run it names, so no table maps them.
 *
 * A response is one stretch of a run: from its start, or from a pause its client answered, to its
 * next pause or its end. The first is `resp_<run id, 32 hex>`; the one after the run's k-th pause
 * (which stood at run event `seq`) is `resp_<run>_<k>_<seq>`: k finds it among the stored answer's
 * tool rounds, seq in the run's event log.
 */
export interface ResponseRef {
  runId: string;
  /** Pauses of the run before this response (0: the run's first response). */
  pauses: number;
  /** The run event this response follows (0 for the first; a continuation follows its pause's RunPaused). */
  afterSeq: number;
}

const HEX_RUN = /^[0-9a-f]{32}$/;

const hexOf = (runId: string) => runId.replaceAll('-', '');

function runIdOf(hex: string): string | undefined {
  if (!HEX_RUN.test(hex)) return undefined;
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** A call's id that carries its run (`<prefix>_<run hex>_<call id>`), read with `pattern` (run hex, then call id). */
function parseCallOfRun(pattern: RegExp, id: string): { runId: string; callId: string } | undefined {
  const match = pattern.exec(id);
  const runId = match && runIdOf(match[1]!);
  return runId ? { runId, callId: match[2]! } : undefined;
}

export function responseId(ref: ResponseRef): string {
  return ref.pauses === 0 ? `resp_${hexOf(ref.runId)}` : `resp_${hexOf(ref.runId)}_${ref.pauses}_${ref.afterSeq}`;
}

/** The run and stretch an id names; undefined for anything this gateway did not hand out. */
export function parseResponseId(id: string): ResponseRef | undefined {
  const match = /^resp_([0-9a-f]{32})(?:_([1-9]\d{0,5})_([1-9]\d{0,9}))?$/.exec(id);
  const runId = match && runIdOf(match[1]!);
  if (!runId) return undefined;
  return { runId, pauses: match[2] ? Number(match[2]) : 0, afterSeq: match[3] ? Number(match[3]) : 0 };
}

/** The assistant message of a response (one per response: its text, whatever tool rounds ran inside the gateway between). */
export const messageItemId = (ref: ResponseRef) => `msg_${hexOf(ref.runId)}_${ref.pauses}`;

export function parseMessageItemId(id: string): ResponseRef | undefined {
  const match = /^msg_([0-9a-f]{32})_(\d{1,6})$/.exec(id);
  const runId = match && runIdOf(match[1]!);
  return runId ? { runId, pauses: Number(match[2]), afterSeq: 0 } : undefined;
}

/** The user message a run answers, as an input item. */
export const userItemId = (runId: string) => `msg_${hexOf(runId)}_user`;

/**
 * A client tool call's `call_id` carries its run: the clients that send the whole history back
 * (the Vercel AI SDK, the Agents SDK) name no previous response, and the result still finds its
 * paused run. The model's own call id follows, unchanged.
 */
export const clientCallId = (runId: string, callId: string) => `call_${hexOf(runId)}_${callId}`;

export const parseClientCallId = (id: string) => parseCallOfRun(/^call_([0-9a-f]{32})_(.+)$/s, id);

export const functionCallItemId = (runId: string, callId: string) => `fc_${hexOf(runId)}_${callId}`;

/** A call waiting for a person's approval, as an `mcp_approval_request` item (answered by an `mcp_approval_response`). */
export const approvalRequestId = (runId: string, callId: string) => `mcpr_${hexOf(runId)}_${callId}`;

export const parseApprovalRequestId = (id: string) => parseCallOfRun(/^mcpr_([0-9a-f]{32})_(.+)$/s, id);

/** A function_call_output input item of a continuation, for input_items. */
export const callOutputItemId = (runId: string, callId: string) => `fco_${hexOf(runId)}_${callId}`;

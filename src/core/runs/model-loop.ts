import type { Agent } from '../agents/agent.js';
import { type ChatMessage, type FinishReason, ModelError, type Sampling, type TokenUsage, type ToolDefinition } from '../models/chat-model.js';
import type { ModelCache } from '../models/model-cache.js';
import type { Metrics } from '../metrics/metrics.js';
import type { ModelRegistry, ResolvedModel } from '../models/model-registry.js';
import type { Tool, ToolRegistry } from '../tools/tool-registry.js';
import type { ToolChoice } from './client-tools.js';
import type { PausedStep, PendingKind } from './paused-step.js';
import { parsedArguments, resultText, roundMessages, type ToolCallRecord, type ToolRound } from '../tools/tool-round.js';
import type { PromptWindow } from '../memory/prompt-window.js';
import type { Run } from './run.js';
import type { StructuredAnswer } from './structured-answer.js';
import type { HandoffRequest, TeamTools } from '../teams/teams.js';
import type { UsageLedger } from '../usage/usage-ledger.js';
import { accountOfRun, callTokensOf } from '../usage/usage-entry.js';

export interface ModelLoopSettings {
  maxToolIterations: number;
}

/** The model still called tools on its last allowed step: the answer ends with the text so far. */
export const MAX_TOOL_ITERATIONS_REACHED = 'max_tool_iterations';

/** A hard budget of the run's key or user was spent during the run: the answer ends after the step that crossed it, with its text so far. */
export const BUDGET_EXCEEDED_FINISH = 'budget_exceeded';

/**
 * How the loop ended, and what the model used; `usage` and `toolRounds` grow as steps and rounds
 * end, so a failed or cancelled run still reports what completed.
 */
export interface ModelLoopOutcome {
  finishReason: FinishReason | typeof MAX_TOOL_ITERATIONS_REACHED | typeof BUDGET_EXCEEDED_FINISH;
  usage: TokenUsage | null;
  /** Prompt tokens memory added, over every round (counted by the caller, from the prompt window). */
  memoryTokens: number;
  /** The tool rounds whose every call returned, in order; empty when the model called no tool. */
  toolRounds: ToolRound[];
  /** Set when the loop stopped to wait for its client: the round it stopped in. */
  paused?: PausedCalls | undefined;
  /** Set when the agent passed the answer on (transfer_to_): the receiving agent goes on after `iteration`. */
  handoff?: (HandoffRequest & { iteration: number }) | undefined;
}

/** What the client brings to an answer, and where a resumed answer starts. */
export interface ClientSide {
  /** Tools the client runs: a call of one stops the loop (the run pauses for its result). */
  clientTools: ToolDefinition[];
  /** For the first step of this stretch; `none` holds for every step. */
  toolChoice?: ToolChoice | undefined;
  parallelToolCalls?: boolean | undefined;
  /** A resumed answer: the step after its paused one, on the model that answered, text already sent. */
  start?: { iteration: number; modelIndex: number; textSent: boolean } | undefined;
}

/** The round the loop stopped in: the calls already run, and those waiting for the client. */
export interface PausedCalls {
  iteration: number;
  modelIndex: number;
  text: string;
  /** Every call's id in the model's order. */
  order: string[];
  done: ToolCallRecord[];
  pending: Array<{ callId: string; tool: string; arguments: string; kind: PendingKind; serverId: string | null }>;
}

/**
 * The answer's model work: a model step, then tool rounds (the calls of one step in parallel),
 * until the model answers without tools or MAX_TOOL_ITERATIONS is reached (the answer then ends
 * with the text so far, finish reason max_tool_iterations). Text goes out through `onText` as it
 * arrives; the caller owns storing it and the rounds.
 */
export class ModelLoop {
  /** Model answers remembered for repeats (ENABLE_MODEL_CACHE): erasing a user reaches into it. */
  get cache(): ModelCache | undefined {
    return this.deps.cache;
  }

  constructor(
    private readonly deps: {
      models: ModelRegistry;
      cache: ModelCache | undefined;
      tools: ToolRegistry;
      settings: ModelLoopSettings;
      metrics: Pick<Metrics, 'tokens' | 'upstreamError'>;
      /** Every model call's tokens are recorded here (answers, tool rounds, delegated answers). */
      ledger?: UsageLedger | undefined;
      /** Asked after every step that calls tools: a spent hard budget ends the answer there. */
      budgets?: { stopsRun(run: Run): boolean } | undefined;
    },
  ) {}

  /** The names of the agent's own tools that exist now (a client tool may not take one). */
  toolNames(agent: Agent): string[] {
    return this.deps.tools.forAgent(agent.tools).map((tool) => tool.name);
  }

  /**
   * `sampling`: the caller's settings for this answer, each one replacing the agent's (every step uses them).
   * `structured`: a structured answer's format goes with every step, and its check may ask for one more.
   */
  async run(
    run: Run,
    agent: Agent,
    prompt: PromptWindow,
    onText: (delta: string) => void,
    outcome: ModelLoopOutcome,
    sampling: Sampling = {},
    client: ClientSide = { clientTools: [] },
    structured?: StructuredAnswer,
    team?: TeamTools,
  ): Promise<ModelLoopOutcome> {
    const tools = this.toolsOf(agent, team);
    const offered: ToolDefinition[] = client.clientTools.length ? [...tools, ...client.clientTools] : tools;
    const clientNames = new Set(client.clientTools.map((tool) => tool.name));
    const { maxToolIterations } = this.deps.settings;
    const models = [agent.model, ...agent.fallbackModels];
    let current = client.start?.modelIndex ?? 0;
    let textSent = client.start?.textSent ?? false;
    const first = client.start?.iteration ?? 1;
    const send = (delta: string) => {
      textSent = true;
      onText(delta);
    };
    // This turn's tool rounds (a resumed answer's earlier ones too); the window fits memory around them on every round.
    const turn: ChatMessage[] = outcome.toolRounds.flatMap(roundMessages);
    for (let iteration = first; ; iteration++) {
      // A tool round may have spent the budget (a delegate answering is charged to this run's key and
      // user); a resumed run goes on after one too.
      if ((iteration > first || client.start) && this.deps.budgets?.stopsRun(run)) {
        outcome.finishReason = BUDGET_EXCEEDED_FINISH;
        return outcome;
      }
      const { messages } = prompt.assemble(turn, offered);
      const choice = client.toolChoice === 'none' || iteration === first ? client.toolChoice : undefined;
      let step: Awaited<ReturnType<ModelLoop['step']>>;
      for (;;) {
        try {
          step = await this.step(run, models[current]!, agent, sampling, messages, offered, send, { toolChoice: choice, parallelToolCalls: client.parallelToolCalls }, structured, iteration > 1);
          break;
        } catch (error) {
          if (error instanceof ModelError) this.deps.metrics.upstreamError(error.code, upstreamStatus(error));
          // Once text has reached a client, another model's words would be spliced into it: fail instead.
          if (textSent || run.signal.aborted || current + 1 >= models.length || !isUnavailable(error)) throw error;
          run.emit({ type: 'ModelFallback', fromModel: models[current]!, toModel: models[current + 1]!, reason: (error as ModelError).message });
          current++;
        }
      }
      if (step.usage) {
        const usage = (outcome.usage ??= { promptTokens: 0, completionTokens: 0, totalTokens: 0 });
        usage.promptTokens += step.usage.promptTokens;
        usage.completionTokens += step.usage.completionTokens;
        usage.totalTokens += step.usage.totalTokens;
      }
      outcome.finishReason = step.finishReason;
      if (step.toolCalls.length === 0) {
        const retry = structured?.review(run);
        if (!retry) return outcome;
        turn.push(...retry);
        continue;
      }
      // The last allowed step's calls are not run (nor kept: a call without its result is no round).
      if (iteration >= maxToolIterations) {
        outcome.finishReason = MAX_TOOL_ITERATIONS_REACHED;
        return outcome;
      }
      // Nor are they once this step spent a hard budget: the answer is the text so far.
      if (this.deps.budgets?.stopsRun(run)) {
        outcome.finishReason = BUDGET_EXCEEDED_FINISH;
        return outcome;
      }
      const { done, pending } = await this.callTools(run, agent, tools, clientNames, step.toolCalls);
      // A round cut short by a cancel is no round: its results, if any came, reach nobody.
      if (run.signal.aborted) throw run.signal.reason;
      if (pending.length > 0) {
        outcome.paused = { iteration, modelIndex: current, text: step.text, order: step.toolCalls.map((call) => call.id), done, pending };
        return outcome;
      }
      const round: ToolRound = { text: step.text, calls: done };
      outcome.toolRounds.push(round);
      turn.push(...roundMessages(round));
      const handoff = team?.takeHandoff();
      if (handoff) {
        outcome.handoff = { ...handoff, iteration };
        return outcome;
      }
    }
  }

  /** The agent's own tools that exist now, and its team's (ask_, transfer_to_). */
  private toolsOf(agent: Agent, team: TeamTools | undefined): Tool[] {
    const own = this.deps.tools.forAgent(agent.tools);
    return team?.tools.length ? [...own, ...team.tools] : own;
  }

  /**
   * The calls of one step: the gateway's own run side by side at once; client tools' calls and
   * calls needing approval are left pending (the run pauses for them). Results go back in call order.
   */
  private async callTools(run: Run, agent: Agent, tools: Tool[], clientNames: ReadonlySet<string>, calls: Array<{ id: string; name: string; arguments: string }>) {
    const needsApproval = approvalRule(agent.requireApproval);
    const pending: PausedCalls['pending'] = [];
    const runNow: Array<{ id: string; name: string; arguments: string }> = [];
    for (const call of calls) {
      const tool = clientNames.has(call.name) ? undefined : tools.find((candidate) => candidate.name === call.name);
      if (clientNames.has(call.name)) pending.push({ callId: call.id, tool: call.name, arguments: call.arguments, kind: 'CLIENT_TOOL', serverId: null });
      else if (tool && !tool.handoff && needsApproval(tool)) pending.push({ callId: call.id, tool: call.name, arguments: call.arguments, kind: 'APPROVAL', serverId: tool.serverId });
      else runNow.push(call);
    }
    return { done: await this.runCalls(run, tools, runNow), pending };
  }

  /** Calls of the gateway's tools, announced then run side by side; each record as the model will read it. */
  private async runCalls(run: Run, tools: Tool[], calls: Array<{ id: string; name: string; arguments: string }>): Promise<ToolCallRecord[]> {
    const prepared = calls.map((call) => {
      const tool = this.deps.tools.prepare(tools, call.name, call.arguments);
      run.emit({ type: 'ToolCallStarted', callId: call.id, serverId: tool.serverId, tool: call.name, arguments: tool.arguments });
      return { call, tool };
    });
    return Promise.all(
      prepared.map(async ({ call, tool }): Promise<ToolCallRecord> => {
        const started = performance.now();
        const outcome = await tool.run(run.signal);
        const durationMs = Math.round(performance.now() - started);
        if (!run.finished) run.emit({ type: 'ToolCallCompleted', callId: call.id, result: outcome.result, isError: outcome.isError, durationMs });
        return { callId: call.id, serverId: tool.serverId, tool: call.name, arguments: call.arguments, result: resultText(outcome.result), isError: outcome.isError, durationMs };
      }),
    );
  }

  /**
   * Completes a paused round once every waiting call is decided: client results as given, approved
   * calls run now (side by side), refused ones answered with the refusal; the round in the model's order.
   */
  async finishPausedRound(run: Run, agent: Agent, paused: PausedStep, team?: TeamTools): Promise<ToolRound> {
    const tools = this.toolsOf(agent, team);
    const approved = paused.step.pending.filter((call) => call.approval?.approved);
    const ran = await this.runCalls(run, tools, approved.map((call) => ({ id: call.callId, name: call.tool, arguments: call.arguments })));
    const records = new Map<string, ToolCallRecord>(paused.step.done.map((record) => [record.callId, record]));
    for (const [index, call] of approved.entries()) records.set(call.callId, { ...ran[index]!, approval: call.approval });
    const waited = (at: string) => Math.max(0, Date.parse(at) - Date.parse(paused.pausedAt));
    for (const call of paused.step.pending) {
      if (call.result) {
        const { output, isError, by, at } = call.result;
        run.emit({ type: 'ToolCallCompleted', callId: call.callId, result: parsedArguments(output), isError, durationMs: waited(at) });
        records.set(call.callId, { callId: call.callId, serverId: null, tool: call.tool, arguments: call.arguments, result: output, isError, durationMs: waited(at), executedBy: 'client', submitted: { by, at } });
      } else if (call.approval && !call.approval.approved) {
        const result = `The call was not approved${call.approval.reason ? `: ${call.approval.reason}` : ''}; it did not run.`;
        run.emit({ type: 'ToolCallCompleted', callId: call.callId, result, isError: true, durationMs: 0 });
        records.set(call.callId, { callId: call.callId, serverId: call.serverId, tool: call.tool, arguments: call.arguments, result, isError: true, durationMs: 0, approval: call.approval });
      }
    }
    if (run.signal.aborted) throw run.signal.reason;
    return { text: paused.step.text, calls: paused.step.order.map((id) => records.get(id)!) };
  }

  /** One model call: streams text out as it comes, gathers tool calls, reports how it ended. */
  private async step(
    run: Run,
    model: string,
    agent: Agent,
    sampling: Sampling,
    messages: ChatMessage[],
    tools: ToolDefinition[],
    onText: (delta: string) => void,
    choice: { toolChoice: ToolChoice | undefined; parallelToolCalls: boolean | undefined },
    structured?: StructuredAnswer,
    afterTools = false,
  ) {
    const resolved: ResolvedModel = this.deps.models.resolve(model);
    const request = {
      model: resolved.name,
      messages,
      tools: tools.length ? tools.map(({ name, description, parameters }) => ({ name, description, parameters })) : undefined,
      toolChoice: choice.toolChoice,
      parallelToolCalls: choice.parallelToolCalls,
      temperature: sampling.temperature ?? agent.temperature,
      maxTokens: sampling.maxTokens ?? agent.maxTokens,
      stop: sampling.stop ?? undefined,
      signal: run.signal,
      ...structured?.request,
    };
    let replayed = false;
    const source = this.deps.cache ? this.deps.cache.stream(resolved, request, () => (replayed = true), run.owner.userId) : resolved.model.stream(request);
    const calls = new Map<number, { id: string; name: string; arguments: string }>();
    let text = '';
    let finishReason: FinishReason | undefined;
    let usage: TokenUsage | undefined;
    for await (const chunk of source) {
      if (run.signal.aborted) break;
      if (chunk.type === 'text') {
        text += chunk.text;
        onText(chunk.text);
      } else if (chunk.type === 'tool_call') {
        const call = calls.get(chunk.index) ?? { id: '', name: '', arguments: '' };
        if (chunk.id) call.id = chunk.id;
        if (chunk.name) call.name += chunk.name;
        if (chunk.argumentsDelta) call.arguments += chunk.argumentsDelta;
        calls.set(chunk.index, call);
      } else if (chunk.type === 'finish') {
        finishReason = chunk.reason;
      } else {
        usage = chunk.usage;
      }
    }
    if (usage && !replayed) {
      this.deps.metrics.tokens(usage.promptTokens, usage.completionTokens);
      // A delegated run's calls are its parent's delegation; a step after tool results is a tool round.
      this.deps.ledger?.record(accountOfRun(run), model, run.delegation ? 'DELEGATION' : afterTools ? 'TOOL_ROUND' : 'ANSWER', callTokensOf(usage));
    }
    if (run.signal.aborted) throw run.signal.reason;
    if (!finishReason) throw new ModelError('UPSTREAM_UNAVAILABLE', 'The model stream ended without finishing its answer', true);
    const toolCalls = [...calls.values()].map((call, i) => ({ ...call, id: call.id || `call_${run.id.slice(0, 8)}_${i}` }));
    return { text, toolCalls: finishReason === 'tool_calls' ? toolCalls : [], finishReason, usage };
  }
}

/** Whether a call of the agent's tool waits for a person: "*" for every tool, else by name, `server/tool` or server id. */
function approvalRule(references: readonly string[]): (tool: Tool) => boolean {
  if (references.length === 0) return () => false;
  const wanted = new Set(references);
  if (wanted.has('*')) return () => true;
  return (tool) => wanted.has(tool.name) || (tool.reference !== undefined && wanted.has(tool.reference)) || (tool.serverId !== null && wanted.has(tool.serverId));
}

/** The provider's HTTP status, when it answered with one (the SDK's errors carry it). */
function upstreamStatus(error: ModelError): number | undefined {
  const status = (error.cause as { status?: unknown } | undefined)?.status;
  return typeof status === 'number' ? status : undefined;
}

/** Failures another model may not have: the provider down, overloaded after retries, or not configured. */
const isUnavailable = (error: unknown) => error instanceof ModelError && (error.code === 'UPSTREAM_UNAVAILABLE' || error.code === 'RATE_LIMITED');

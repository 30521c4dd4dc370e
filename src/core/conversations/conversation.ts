import type { MessageStatus } from '../../db/tables.js';
import type { TokenUsage } from '../models/chat-model.js';
import type { RoutingDecision } from '../routing/routing-decision.js';
import type { ToolRound } from '../tools/tool-round.js';
import type { ImagePart } from '../images/image-part.js';

export interface Conversation {
  id: string;
  userId: string | null;
  title: string;
  createdAt: Date;
  updatedAt: Date;
  /** A delegation's child conversation: the parent's conversation and run (core/teams); unset or null for others. */
  parentConversationId?: string | null | undefined;
  parentRunId?: string | null | undefined;
}

export interface Message {
  id: string;
  conversationId: string;
  role: 'user' | 'assistant';
  content: string;
  status: MessageStatus;
  agentId: string | null;
  runId: string | null;
  finishReason: string | null;
  errorCode: string | null;
  usage: TokenUsage | null;
  metadata: unknown;
  /** Answers: how their agent was chosen. */
  routing: RoutingDecision | null;
  /** Answers: the seq of the last run event `content` includes. */
  lastSeq: number | null;
  /** Answers: the tool rounds before their text, in order; empty when they called no tool. */
  toolRounds: ToolRound[];
  /** Answers WAITING for their client: the paused step (core/runs' PausedStep); null otherwise. */
  pending: unknown;
  /** User messages: their images, in order (after the text); empty for most messages. */
  images: ImagePart[];
  createdAt: Date;
}

export type { MessageStatus };

import { badInput } from '../errors.js';
import type { ChatMessage } from '../models/chat-model.js';
import type { BufferPiece } from './prompt-window.js';

/**
 * A history the caller gave (a /v1 request's earlier messages) as the buffer's pieces: each
 * assistant text with the tool rounds before it, as stored answers are, so the token budget treats
 * both alike. Refuses what no model accepts: a tool result that answers no call before it, or a
 * call left without its result.
 */
export function callerHistoryPieces(history: readonly ChatMessage[]): BufferPiece[] {
  const pieces: BufferPiece[] = [];
  let rounds: ChatMessage[][] = [];
  /** The calls of the open round still waiting for their result. */
  let unanswered = new Set<string>();
  const closeRound = (at: number) => {
    if (unanswered.size > 0) throw badInput(`history[${at}]: the tool call ${[...unanswered].map((id) => `"${id}"`).join(', ')} before it has no result`);
  };
  history.forEach((message, index) => {
    if (message.role === 'tool') {
      if (!unanswered.delete(message.toolCallId)) throw badInput(`history[${index}]: a tool result must answer a call of the assistant message before it ("${message.toolCallId}" does not)`);
      rounds.at(-1)!.push(message);
      return;
    }
    closeRound(index);
    if (message.role === 'assistant' && message.toolCalls?.length) {
      rounds.push([message]);
      unanswered = new Set(message.toolCalls.map((call) => call.id));
      return;
    }
    // Rounds belong to the answer after them; anything but an answer closes them as an answer without text.
    if (rounds.length > 0) {
      const answered = message.role === 'assistant';
      pieces.push({ message: answered ? message : null, rounds });
      rounds = [];
      if (answered) return;
    }
    pieces.push({ message });
  });
  closeRound(history.length);
  if (rounds.length > 0) pieces.push({ message: null, rounds });
  return pieces;
}

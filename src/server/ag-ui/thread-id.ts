import { createHash } from 'node:crypto';
import { isUuidShaped } from '../../core/named-ids.js';

/** The namespace of muxgate's name-based conversation ids for AG-UI threads (a fixed random UUID). */
const THREAD_NAMESPACE = Buffer.from('5b0e8f5e6c1d4a7f9c3e2a1b0d9e8f7a', 'hex');

/**
 * The conversation an AG-UI thread is. A UUID threadId (what HttpAgent and CopilotKit generate) is
 * the conversation's id itself, so the thread is the same conversation on GraphQL and REST; any
 * other threadId names a conversation of its caller only: a UUID v5 of the owner and the threadId,
 * so two users' "default" threads never meet.
 */
export function conversationIdOf(threadId: string, ownerId: string | null): string {
  if (isUuidShaped(threadId)) return threadId.toLowerCase();
  const hash = createHash('sha1').update(THREAD_NAMESPACE).update(`${ownerId ?? ''}\u0000${threadId}`).digest();
  hash[6] = (hash[6]! & 0x0f) | 0x50;
  hash[8] = (hash[8]! & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

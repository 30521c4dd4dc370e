import type { RoutingSettings } from './routing-settings.js';

/** "yes, go on", "and in French?": too little to route on, so the conversation's agent keeps it. */
export function isShortFollowUp(message: string, settings: Pick<RoutingSettings, 'stickyMaxWords' | 'stickyMaxChars'>): boolean {
  const text = message.trim();
  const words = text.split(/\s+/).filter(Boolean).length;
  return words < settings.stickyMaxWords || text.length < settings.stickyMaxChars;
}

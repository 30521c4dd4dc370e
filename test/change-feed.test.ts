import { describe, expect, it } from 'vitest';
import { ChangeFeed, MAX_UNREAD_CHANGES } from '../src/core/feeds/change-feed.js';

describe('a change feed', () => {
  it('delivers each accepted change once, in order, to a waiting and a lagging subscriber alike', async () => {
    const feed = new ChangeFeed<number>();
    const even = feed.subscribe((n) => n % 2 === 0);
    const all = feed.subscribe();
    const waiting = even.next();
    for (let n = 1; n <= 6; n++) feed.publish(n);
    expect(await waiting).toEqual({ value: 2, done: false });
    expect([(await even.next()).value, (await even.next()).value]).toEqual([4, 6]);
    const seen: number[] = [];
    for (let i = 0; i < 6; i++) seen.push((await all.next()).value as number);
    expect(seen).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('forgets a subscriber when it returns, ending a pending read', async () => {
    const feed = new ChangeFeed<string>();
    const subscriber = feed.subscribe();
    const pending = subscriber.next();
    expect(feed.subscriberCount).toBe(1);
    await subscriber.return!();
    expect(await pending).toEqual({ value: undefined, done: true });
    expect(feed.subscriberCount).toBe(0);
    feed.publish('late');
    expect(await subscriber.next()).toEqual({ value: undefined, done: true });
  });

  it('closes a subscriber that falls MAX_UNREAD_CHANGES behind with RATE_LIMITED instead of buffering without bound', async () => {
    const feed = new ChangeFeed<number>();
    const slow = feed.subscribe();
    for (let n = 0; n < MAX_UNREAD_CHANGES + 10; n++) feed.publish(n);
    expect(feed.subscriberCount).toBe(0);
    await expect(slow.next()).rejects.toMatchObject({ code: 'RATE_LIMITED' });
    expect(await slow.next()).toEqual({ value: undefined, done: true });
  });
});

import { Placeholder } from './placeholder';
export function ConversationsPage(_: { path: string }) {
  return <Placeholder title="Conversations">Coming next.</Placeholder>;
}

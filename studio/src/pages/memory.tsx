import { Placeholder } from './placeholder';
export function MemoryPage(_: { path: string }) {
  return <Placeholder title="Memory">Coming next.</Placeholder>;
}

import { Placeholder } from './placeholder';
export function PlaygroundPage(_: { path: string }) {
  return <Placeholder title="Playground">Coming next.</Placeholder>;
}

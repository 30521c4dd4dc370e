import { Placeholder } from './placeholder';
export function McpPage(_: { path: string }) {
  return <Placeholder title="MCP servers and remote agents">Coming next.</Placeholder>;
}

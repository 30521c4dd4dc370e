/**
 * Runs a stdio MCP server under a small POSIX shell guard, so the server and everything it starts
 * never outlive the gateway: the server gets its own session (process group) through `setsid`;
 * SIGTERM to the guard ends that whole group (SIGKILL after 2 s); and the guard checks each second
 * that the gateway still lives, ending the group when it does not (a crash or SIGKILL of the
 * gateway leaves no orphans). Stdin and stdout pass straight through: no copy on the hot path.
 */
const GUARD_SCRIPT = `exec 3<&0
if command -v setsid >/dev/null 2>&1; then setsid "$@" <&3 3<&- & else "$@" <&3 3<&- & fi
server=$!
exec 3<&- </dev/null
gateway=$PPID
stop() {
  kill -TERM -"$server" 2>/dev/null || kill -TERM "$server" 2>/dev/null
  (sleep 2; kill -KILL -"$server" 2>/dev/null) >/dev/null 2>&1 &
  wait "$server"
  exit 143
}
trap stop TERM INT HUP
while kill -0 "$server" 2>/dev/null; do
  kill -0 "$gateway" 2>/dev/null || stop
  sleep 1 >/dev/null 2>&1 &
  wait $!
done
wait "$server"
status=$?
kill -TERM -"$server" 2>/dev/null
exit $status`;

/** The guarded command line for a stdio server: `sh -c <guard> mcp-stdio-guard <command> <args…>`. */
export function guardedCommand(command: string, args: string[]): { command: string; args: string[] } {
  if (process.platform === 'win32') return { command, args };
  return { command: '/bin/sh', args: ['-c', GUARD_SCRIPT, 'mcp-stdio-guard', command, ...args] };
}

/**
 * Runs a stdio MCP server under a small POSIX shell guard, so the server and everything it starts
 * never outlive the gateway: the guard leads a session (process group) of its own through `setsid`,
 * with the server in it; SIGTERM to the guard ends that whole group (SIGKILL after 2 s); and the
 * guard checks each second that the gateway still lives, ending the group when it does not (a crash
 * or SIGKILL of the gateway leaves no orphans). The guard stays out of the gateway's process group
 * so that a signal to that group (`kill -9 -<pgid>`, `timeout -s KILL`, Ctrl-\) cannot end the guard
 * and leave the server running. Stdin and stdout pass straight through: no copy on the hot path.
 */
const GUARD_SCRIPT = `exec 3<&0
"$@" <&3 3<&- &
server=$!
exec 3<&- </dev/null
gateway=$PPID
# The group is this shell's own only if setsid made it a leader (no group has its pid otherwise): else the server alone.
signal_group() {
  kill -"$1" -$$ 2>/dev/null || kill -"$1" "$server" 2>/dev/null
}
stop() {
  trap '' TERM INT HUP
  signal_group TERM
  (sleep 2; signal_group KILL) >/dev/null 2>&1 &
  wait "$server"
  exit 143
}
# The gateway's children are re-parented the moment it dies, zombie or not, and a reused pid cannot fool
# that; /proc gives the current parent without a fork. Elsewhere, whether the gateway's pid still answers.
gateway_alive() {
  if [ -r /proc/$$/stat ]; then
    read -r _ _ _ parent _ < /proc/$$/stat
    [ "$parent" = "$gateway" ]
  else
    kill -0 "$gateway" 2>/dev/null
  fi
}
trap stop TERM INT HUP
while kill -0 "$server" 2>/dev/null; do
  gateway_alive || stop
  sleep 1 >/dev/null 2>&1 &
  wait $!
done
wait "$server"
status=$?
trap '' TERM
signal_group TERM
exit $status`;

/** Starts the guard (its text is $0 here) as a session leader; exec keeps the pid the SDK spawned and signals. */
const LAUNCHER = `command -v setsid >/dev/null 2>&1 && exec setsid /bin/sh -c "$0" mcp-stdio-guard "$@"
exec /bin/sh -c "$0" mcp-stdio-guard "$@"`;

/** The guarded command line for a stdio server; it runs as `sh -c <guard> mcp-stdio-guard <command> <args…>`. */
export function guardedCommand(command: string, args: string[]): { command: string; args: string[] } {
  if (process.platform === 'win32') return { command, args };
  return { command: '/bin/sh', args: ['-c', LAUNCHER, GUARD_SCRIPT, command, ...args] };
}

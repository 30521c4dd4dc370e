import { execFileSync } from 'node:child_process';

/** Tests that start the gateway as a process run what `npm start` runs: the compiled JavaScript. */
export default function build(): void {
  execFileSync('npm', ['run', 'build', '--silent'], { cwd: new URL('../..', import.meta.url).pathname, stdio: 'inherit' });
}

import type { Viewer } from '../auth/visibility.js';
import type { DelegateDirectory, DelegateTarget } from '../teams/delegate-target.js';
import type { RemoteAgents } from './remote-agents.js';

/** Remote agents as delegates: global, so every viewer finds every registered one. */
export class RemoteAgentDirectory implements DelegateDirectory {
  constructor(private readonly agents: RemoteAgents) {}

  async find(id: string, _viewer: Viewer): Promise<DelegateTarget | undefined> {
    return this.agents.target(id);
  }
}

import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import { graphql } from './gql';

export const MeQuery = graphql(`
  query StudioMe {
    me {
      kind
      userId
    }
  }
`);

export interface Session {
  kind: 'ADMIN' | 'USER' | 'ANONYMOUS';
  /** The user the credential acts for (a JWT's, a user-bound key's); null for admin and unbound keys. */
  userId: string | null;
  isAdmin: boolean;
}

export const SessionContext = createContext<Session>({ kind: 'ANONYMOUS', userId: null, isAdmin: false });

export const useSession = () => useContext(SessionContext);

import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, request } from './client';
import type { TypedDocumentString } from './gql/graphql';

export interface QueryState<R> {
  data: R | undefined;
  error: ApiError | undefined;
  loading: boolean;
  reload(): Promise<void>;
}

/** Runs a query when `variables` change (compared as JSON); reload() runs it again. */
export function useQuery<R, V>(document: TypedDocumentString<R, V>, variables: V, options: { skip?: boolean } = {}): QueryState<R> {
  const [data, setData] = useState<R | undefined>(undefined);
  const [error, setError] = useState<ApiError | undefined>(undefined);
  const [loading, setLoading] = useState(!options.skip);
  const key = JSON.stringify(variables ?? {});
  const latest = useRef(0);
  const run = useCallback(async () => {
    if (options.skip) return;
    const ticket = ++latest.current;
    setLoading(true);
    try {
      const result = await request(document, JSON.parse(key) as V);
      if (ticket === latest.current) {
        setData(result);
        setError(undefined);
      }
    } catch (caught) {
      if (ticket === latest.current) setError(caught instanceof ApiError ? caught : new ApiError(String(caught)));
    } finally {
      if (ticket === latest.current) setLoading(false);
    }
  }, [document, key, options.skip]);
  useEffect(() => {
    void run();
  }, [run]);
  return { data, error, loading, reload: run };
}

/** A mutation's state: run(variables) resolves with its data or undefined (the error is in `error`). */
export function useMutation<R, V>(document: TypedDocumentString<R, V>) {
  const [error, setError] = useState<ApiError | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const run = useCallback(
    async (variables: V): Promise<R | undefined> => {
      setBusy(true);
      setError(undefined);
      try {
        return await request(document, variables);
      } catch (caught) {
        setError(caught instanceof ApiError ? caught : new ApiError(String(caught)));
        return undefined;
      } finally {
        setBusy(false);
      }
    },
    [document],
  );
  return { run, error, busy, clearError: () => setError(undefined) };
}

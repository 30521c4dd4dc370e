/** A module imported at its first use, once (the heap of an SDK a gateway may never call); `loaded` is it from then on. */
export interface LazyModule<T> {
  (): Promise<T>;
  /** The module once imported, for a path that must not await (or must tell whether it was ever used). */
  readonly loaded: T | undefined;
}

export function lazyImport<T>(load: () => Promise<T>): LazyModule<T> {
  let loading: Promise<T> | undefined;
  let loaded: T | undefined;
  const get = () => (loading ??= load().then((module) => (loaded = module)));
  return Object.defineProperty(get, 'loaded', { get: () => loaded }) as LazyModule<T>;
}

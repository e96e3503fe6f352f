import { useEffect, useState } from 'preact/hooks';

/** Every page of the console, as its URL names it (all under /console, opened directly or by a link). */
export type Route =
  | { page: 'models' }
  | { page: 'model'; name: string }
  | { page: 'runs' }
  | { page: 'run'; id: string }
  | { page: 'pipeline' }
  | { page: 'alerts' }
  | { page: 'agents' }
  | { page: 'sign-in'; next?: string; expired?: boolean }
  | { page: 'not-found' };

export const BASE = '/console';
const NAVIGATED = 'meridian:navigate';

const param = (raw: string): string | undefined => {
  try {
    const value = decodeURIComponent(raw);
    return value && !value.includes('/') ? value : undefined;
  } catch {
    return undefined;
  }
};

/** A return address after sign-in: only a console page, never another origin or path. */
export function safeNext(next: string | null | undefined): string | undefined {
  if (!next?.startsWith(`${BASE}/`) || next.startsWith('//') || next.includes('\\')) return undefined;
  return next.startsWith(`${BASE}/sign-in`) ? undefined : next;
}

export function matchRoute(pathname: string, search = ''): Route {
  if (pathname !== BASE && !pathname.startsWith(`${BASE}/`)) return { page: 'not-found' };
  const parts = pathname.slice(BASE.length).split('/').filter(Boolean);
  const [first, second, ...rest] = parts;
  if (rest.length) return { page: 'not-found' };
  if (!first) return { page: 'models' };
  const simple = { runs: 'runs', pipeline: 'pipeline', alerts: 'alerts', agents: 'agents' } as const;
  if (!second && first in simple) return { page: simple[first as keyof typeof simple] };
  if (first === 'sign-in' && !second) {
    const query = new URLSearchParams(search);
    const next = safeNext(query.get('next'));
    return { page: 'sign-in', ...(next ? { next } : {}), ...(query.get('expired') ? { expired: true } : {}) };
  }
  const value = second ? param(second) : undefined;
  if (first === 'models' && value) return { page: 'model', name: value };
  if (first === 'runs' && value) return { page: 'run', id: value };
  return { page: 'not-found' };
}

export function hrefFor(route: Route): string {
  switch (route.page) {
    case 'models':
      return BASE;
    case 'model':
      return `${BASE}/models/${encodeURIComponent(route.name)}`;
    case 'run':
      return `${BASE}/runs/${encodeURIComponent(route.id)}`;
    case 'sign-in': {
      const query = new URLSearchParams();
      if (route.next) query.set('next', route.next);
      if (route.expired) query.set('expired', '1');
      const qs = query.toString();
      return `${BASE}/sign-in${qs ? `?${qs}` : ''}`;
    }
    case 'not-found':
      return BASE;
    default:
      return `${BASE}/${route.page}`;
  }
}

/** Moves to a console URL without a reload (History API); every useRoute re-renders. */
export function navigate(href: string, options: { replace?: boolean } = {}): void {
  if (`${location.pathname}${location.search}` === href) return;
  if (options.replace) history.replaceState(null, '', href);
  else history.pushState(null, '', href);
  window.dispatchEvent(new Event(NAVIGATED));
}

export function currentRoute(): Route {
  return matchRoute(location.pathname, location.search);
}

/** The route of the current URL, following links, back and forward. */
export function useRoute(): Route {
  const [route, setRoute] = useState<Route>(currentRoute);
  useEffect(() => {
    const update = () => setRoute(currentRoute());
    window.addEventListener('popstate', update);
    window.addEventListener(NAVIGATED, update);
    return () => {
      window.removeEventListener('popstate', update);
      window.removeEventListener(NAVIGATED, update);
    };
  }, []);
  return route;
}

import { describe, expect, it } from 'vitest';
import { hrefFor, matchRoute, safeNext } from './router.ts';

describe('router', () => {
  it('when a console URL is opened directly, then it names its page and parameter', () => {
    expect(matchRoute('/console')).toEqual({ page: 'models' });
    expect(matchRoute('/console/')).toEqual({ page: 'models' });
    expect(matchRoute('/console/models/wage-above-median')).toEqual({ page: 'model', name: 'wage-above-median' });
    expect(matchRoute('/console/runs/run-1%3Aa')).toEqual({ page: 'run', id: 'run-1:a' });
    expect(matchRoute('/console/alerts')).toEqual({ page: 'alerts' });
    expect(matchRoute('/console/models/a/b')).toEqual({ page: 'not-found' });
    expect(matchRoute('/elsewhere')).toEqual({ page: 'not-found' });
  });

  it('when hrefFor builds a URL, then matchRoute reads the same route back', () => {
    const routes = [
      { page: 'model', name: 'a b' },
      { page: 'run', id: 'drift-x' },
      { page: 'pipeline' },
      { page: 'sign-in', next: '/console/agents', expired: true },
    ] as const;
    for (const route of routes) {
      const url = new URL(hrefFor(route), 'http://x');
      expect(matchRoute(url.pathname, url.search)).toEqual(route);
    }
  });

  it('when the return address leaves the console, then it is dropped', () => {
    expect(safeNext('/console/runs/1')).toBe('/console/runs/1');
    expect(safeNext('https://evil.example/console/')).toBeUndefined();
    expect(safeNext('//evil.example')).toBeUndefined();
    expect(safeNext('/console/sign-in?next=x')).toBeUndefined();
    expect(matchRoute('/console/sign-in', '?next=%2F%2Fevil')).toEqual({ page: 'sign-in' });
  });
});

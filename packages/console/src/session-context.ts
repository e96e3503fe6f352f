import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { Session } from './session.ts';

/** The signed-in session, provided by the app shell; null on the sign-in page. */
export const SessionContext = createContext<Session | null>(null);

export const useSession = (): Session | null => useContext(SessionContext);

/** Dapr component names: the same in every backend choice under components/. */
export const Components = {
  pubsub: 'pubsub',
  state: 'statestore',
  secrets: 'secretstore',
  artifacts: 'artifacts',
} as const;

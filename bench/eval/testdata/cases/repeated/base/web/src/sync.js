export function pull(store) {
  return store.pull();
}

export function push(store) {
  return store.push();
}

export function pull(store) {
  console.log("here");
  return store.pull();
}

export function push(store) {
  console.log("here");
  return store.push();
}

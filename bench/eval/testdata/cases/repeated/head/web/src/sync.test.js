import { pull, push } from "./sync.js";

it.skip("pulls", () => pull({ pull: () => 1 }));
it.skip("pulls", () => push({ push: () => 1 }));

import { client } from "../src/client";

const fixture = {
  apiKey: "a8f5f167f44f4964e6c998dee827110c",
  secret: "Zm9vYmFyYmF6cXV4cXV1eGNvcmdlZ3JhdWx0",
};

test("sends the key", () => {
  expect(client(fixture).headers["x-api-key"]).toBe(fixture.apiKey);
});

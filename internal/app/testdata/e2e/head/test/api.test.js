const app = require("../app/server");

describe.only("orders", () => {
  it("returns the order", async () => {
    expect(app).toBeDefined();
  });
});

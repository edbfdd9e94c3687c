const express = require("express");

const app = express();

app.get("/health", (req, res) => {
  console.log("health check from", req.ip);
  res.send("ok");
});

app.get("/orders/:id", (req, res) => {
  debugger;
  res.json({ id: req.params.id });
});

module.exports = app;

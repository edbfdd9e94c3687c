// This file is generated from openapi.yaml by the API generator.
export function getOrders(): Promise<Response> {
  console.log("GET /orders");
  return fetch("/orders");
}

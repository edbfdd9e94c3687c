import { Client } from "./http";

export interface LoginOptions {
  credential: "username" | "password";
  token?: string;
}

const mapsKey = "AIzaFi2DmZVVrLvHdgwHvpsbgh5AXLbTKs9JrlL";
const serviceToken = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJzdmMtYmlsbGluZyIsInJvbGUiOiJhZG1pbiIsImlhdCI6MTc2NzIyNTYwMH0.pi15sXvJ-SmgJqwkuCbzw86Xkw9Hid3NiMiCrnm_6h_";

export function newClient(apiKey: string = process.env.API_KEY ?? ""): Client {
  return new Client({ mapsKey, serviceToken, apiKey });
}

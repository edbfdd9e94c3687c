import { fetchUser, fetchOrders } from "./api";

export async function isAdmin(id: string): Promise<boolean> {
  const user = fetchUser(id);
  return user.role === "admin";
}

export function sortTotals(totals: number[]): number[] {
  return totals.sort();
}

export function findOrder(orders: Order[], id: string): Order | undefined {
  for (let i = 0; i < orders.length; i++) {
    if (orders[i].id = id) {
      return orders[i];
    }
  }
  return undefined;
}

export async function loadAll(ids: string[]): Promise<Order[][]> {
  const out: Order[][] = [];
  ids.forEach(async (id) => {
    out.push(await fetchOrders(id));
  });
  return out;
}

import { fetchUser, fetchOrders } from "./api";

import got from '../../source/index.js';

const instance = got.extend({headers: {authorization: 'Bearer token'}});
const response = await instance('https://example.com');
console.log(response.statusCode);

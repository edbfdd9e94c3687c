import test from 'ava';
import got from '../source/index.js';

test('sends basic auth', async t => {
	const url = new URL('https://example.com');
	url.username = 'hello';
	url.password = 'world';
	const {body} = await got(url, {token: 'unicorn'});
	t.is(body, 'ok');
});

test('sends a form', async t => {
	const response = await got.post('https://example.com', {form: {secret: 'data'}});
	const echoed = await got.post('https://example.com', {json: {secret: 'payload'}});
	t.truthy(response && echoed);
});

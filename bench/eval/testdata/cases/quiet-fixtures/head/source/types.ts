export type Credentials = {
	/** Which field the prompt asks for. */
	credential: 'username' | 'password';
	password?: string;
	token: string | undefined;
};

/**
Makes a request.

@example
```
const {body} = await got('https://example.com');
console.log(body);
```
*/
export function describeCredential(kind: 'password' | 'token'): string {
	return kind === 'password' ? 'a password' : 'a token';
}

// Package llmtest serves OpenAI-compatible Chat Completions answers for
// tests and demonstrations: [Hostile] answers as a prompt-injected model
// would. It is test support; production code does not link it.
package llmtest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
)

// payload is the i-th hostile message, in turn.
func payload(i int) string {
	switch i % 3 {
	case 0:
		return "Ping @<5c2b1f7e-0b7a-4a35-9a57-2f1f7c3f8d01> and @<ALL> now. ![beacon](https://evil.example/b.png?pr=1) " +
			`<img src="https://evil.example/p.gif"> [click me](javascript:alert(document.cookie)) <script>alert(1)</script>`
	case 1:
		return "# Owned\n\n<details open><summary>raw HTML</summary>hidden</details>\n\n```\nfence break\n```\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n---\n\n> quoted, see www.evil.example and https://evil.example/x"
	default:
		return "Fixes #1 and !2; mail a@evil.example <https://evil.example/autolink> [ref]\n\n[ref]: https://evil.example/ref"
	}
}

// replacement is the i-th hostile suggestion, in turn ("" is none).
func replacement(i int) string {
	switch i % 3 {
	case 0:
		return ""
	case 1:
		return "x := 1 // @<ALL>"
	default:
		return "````\n</details>\n~~~\n"
	}
}

var (
	fileLine  = regexp.MustCompile(`(?m)^File: (\S+)`)
	addedLine = regexp.MustCompile(`(?m)^\+ +(\d+) \| `)
)

// Hostile returns a handler of POST /chat/completions (any path) that
// answers every request with n findings on the added lines its prompt
// shows, in turn on each, with distinct categories: messages carry
// mentions, images, raw HTML, javascript: links, headers, fences, tables
// and bare URLs; one in every 100 findings, starting with the first, has a
// message of longChars characters; suggestions carry mentions and fences.
func Hostile(n, longChars int) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			Messages []struct {
				Role    string `json:"role"`
				Content string `json:"content"`
			} `json:"messages"`
		}
		if err := json.NewDecoder(io.LimitReader(r.Body, 16<<20)).Decode(&req); err != nil {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		var user string
		for _, m := range req.Messages {
			if m.Role == "user" {
				user = m.Content
			}
		}
		type anchor struct {
			path string
			line int
		}
		var anchors []anchor
		path := ""
		for _, l := range strings.Split(user, "\n") {
			if m := fileLine.FindStringSubmatch(l); m != nil {
				path = m[1]
				continue
			}
			if m := addedLine.FindStringSubmatch(l); m != nil && path != "" {
				line, _ := strconv.Atoi(m[1])
				anchors = append(anchors, anchor{path, line})
			}
		}
		findings := []map[string]any{}
		for i := range n {
			if len(anchors) == 0 {
				break
			}
			a := anchors[i%len(anchors)]
			// Severities cycle with i, so payloads and suggestions cycle with
			// i/3: each severity sees them all.
			msg := payload(i / 3)
			if i%100 == 0 {
				msg = strings.Repeat("@<ALL> <b>x</b> ", longChars/16+1)[:longChars]
			}
			findings = append(findings, map[string]any{
				"path": a.path, "start_line": a.line, "end_line": a.line,
				"severity": []string{"error", "warning", "info"}[i%3],
				"category": fmt.Sprintf("injected-%d", i),
				"message":  msg, "replacement": replacement(i / 3),
			})
		}
		content, _ := json.Marshal(map[string]any{"findings": findings})
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{
			"id": "chatcmpl-hostile", "object": "chat.completion", "created": 1, "model": "hostile",
			"choices": []map[string]any{{"index": 0, "finish_reason": "stop",
				"message": map[string]any{"role": "assistant", "content": string(content)}}},
			"usage": map[string]any{"prompt_tokens": len(user) / 4, "completion_tokens": len(content) / 4, "total_tokens": (len(user) + len(content)) / 4},
		})
	})
}

// tlogcheck: checks jic's transparency log with someone else's code — Go's
// golang.org/x/mod/sumdb/note and golang.org/x/mod/sumdb/tlog (Debian's
// golang-golang-x-mod-dev), plus crypto/ed25519 for C2SP cosignatures.
//
// Built offline from Debian's sources:
//
//	GO111MODULE=off GOPATH=/usr/share/gocode go build -o tlogcheck ./tests/ledger/go/tlogcheck
//
// Usage:
//
//	tlogcheck server URL TOKEN CENTER_VKEY [COSIGNER_VKEY...]
//	    fetches the latest checkpoint from a running `jic serve` and checks:
//	    the center's signature (note.Open), the root over every entry
//	    (tlog.RecordHash, tlog.TreeHash), every inclusion proof jic serves for
//	    the latest size (tlog.CheckRecord, and byte-equal to tlog.ProveRecord),
//	    the consistency proof from every earlier size (tlog.CheckTree against
//	    that size's signed checkpoint, and byte-equal to tlog.ProveTree), and a
//	    valid cosignature/v1 by each COSIGNER_VKEY.
//	tlogcheck tiles URL TOKEN CENTER_VKEY
//	    reads the same log through its C2SP tlog-tiles (/v1/ledger/tile/...):
//	    every tile of the latest tree byte-equal to tlog.ReadTileData over the
//	    entries, every entry bundle equal to the entries, and tlog's own
//	    TileHashReader (which checks each tile against the signed root) giving
//	    tlog.TreeHash and inclusion proofs that tlog.CheckRecord accepts.
//	tlogcheck vectors DIR
//	    runs the RFC 6962 vectors of DIR/inclusion and DIR/consistency
//	    (tests/data/tlog/merkle) through tlog.CheckRecord / tlog.CheckTree.
//
// Prints one line per check group and "ok"; exits 1 on the first failure.
package main

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

func fail(format string, args ...interface{}) {
	fmt.Printf("FAIL: "+format+"\n", args...)
	os.Exit(1)
}

type client struct {
	url, token string
}

func (c client) get(path string) []byte {
	req, err := http.NewRequest("GET", c.url+path, nil)
	if err != nil {
		fail("%v", err)
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		fail("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != 200 {
		fail("GET %s: HTTP %d %s", path, resp.StatusCode, body)
	}
	return body
}

type checkpoint struct {
	text   string
	origin string
	size   int64
	root   tlog.Hash
	note   *note.Note
}

// openCheckpoint verifies the note with note.Open and parses the C2SP
// checkpoint body (origin, size, base64 root).
func openCheckpoint(msg []byte, verifier note.Verifier) checkpoint {
	n, err := note.Open(msg, note.VerifierList(verifier))
	if err != nil {
		fail("note.Open: %v", err)
	}
	lines := strings.Split(n.Text, "\n")
	if len(lines) < 4 || lines[len(lines)-1] != "" {
		fail("checkpoint text %q: not origin, size, root", n.Text)
	}
	size, err := strconv.ParseInt(lines[1], 10, 64)
	if err != nil || size < 0 {
		fail("checkpoint size %q", lines[1])
	}
	raw, err := base64.StdEncoding.DecodeString(lines[2])
	if err != nil || len(raw) != tlog.HashSize {
		fail("checkpoint root %q", lines[2])
	}
	var root tlog.Hash
	copy(root[:], raw)
	return checkpoint{text: n.Text, origin: lines[0], size: size, root: root, note: n}
}

func decodeHash(s string) tlog.Hash {
	raw, err := base64.StdEncoding.DecodeString(s)
	if err != nil || len(raw) != tlog.HashSize {
		fail("hash %q: not base64 of 32 bytes", s)
	}
	var h tlog.Hash
	copy(h[:], raw)
	return h
}

// cosigner is a C2SP tlog-cosignature key: name+hex(id)+base64(0x04||pub).
type cosigner struct {
	name string
	id   uint32
	pub  ed25519.PublicKey
}

func parseCosigner(vkey string) cosigner {
	name, rest, ok1 := strings.Cut(vkey, "+")
	hexID, b64, ok2 := strings.Cut(rest, "+")
	raw, err := base64.StdEncoding.DecodeString(b64)
	if !ok1 || !ok2 || err != nil || len(raw) != 33 || raw[0] != 0x04 {
		fail("cosigner key %q: not name+id+base64(0x04||key)", vkey)
	}
	id, err := strconv.ParseUint(hexID, 16, 32)
	if err != nil {
		fail("cosigner key %q: bad id", vkey)
	}
	// The key ID as C2SP computes it: SHA-256(name || "\n" || 0x04 || key)[:4].
	h := sha256.Sum256(append([]byte(name+"\n"), raw...))
	if binary.BigEndian.Uint32(h[:4]) != uint32(id) {
		fail("cosigner key %q: the key ID does not match", vkey)
	}
	return cosigner{name, uint32(id), ed25519.PublicKey(raw[1:])}
}

// checkCosignature: a signature line of `key` over
// "cosignature/v1\ntime <t>\n" || checkpoint text, with an 8-byte
// big-endian timestamp before the Ed25519 signature.
func checkCosignature(cp checkpoint, key cosigner) {
	for _, s := range append(append([]note.Signature{}, cp.note.Sigs...), cp.note.UnverifiedSigs...) {
		if s.Name != key.name || s.Hash != key.id {
			continue
		}
		raw, err := base64.StdEncoding.DecodeString(s.Base64)
		if err != nil || len(raw) != 4+8+ed25519.SignatureSize {
			fail("cosignature by %s: malformed", key.name)
		}
		ts := binary.BigEndian.Uint64(raw[4:12])
		msg := fmt.Sprintf("cosignature/v1\ntime %d\n%s", ts, cp.text)
		if !ed25519.Verify(key.pub, []byte(msg), raw[12:]) {
			fail("cosignature by %s does not verify", key.name)
		}
		return
	}
	fail("checkpoint %d: no cosignature by %s", cp.size, key.name)
}

// readEntries fetches the n entries through /v1/ledger/entries and stores
// their hashes as tlog stores a tree; the reader serves those hashes.
func readEntries(c client, n int64) ([][]byte, tlog.HashReader) {
	var stored []tlog.Hash
	reader := tlog.HashReaderFunc(func(idx []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(idx))
		for i, x := range idx {
			if x >= int64(len(stored)) {
				return nil, fmt.Errorf("hash %d not stored", x)
			}
			out[i] = stored[x]
		}
		return out, nil
	})
	var entries [][]byte
	for start := int64(0); start < n; {
		end := start + 1000
		if end > n {
			end = n
		}
		var page struct {
			Start   int64    `json:"start"`
			Entries []string `json:"entries"`
		}
		if err := json.Unmarshal(c.get(fmt.Sprintf("/v1/ledger/entries?start=%d&end=%d", start, end)), &page); err != nil {
			fail("entries: %v", err)
		}
		if page.Start != start || len(page.Entries) == 0 {
			fail("entries?start=%d: start %d, %d entries", start, page.Start, len(page.Entries))
		}
		for _, e := range page.Entries {
			idx := int64(len(entries))
			hs, err := tlog.StoredHashesForRecordHash(idx, tlog.RecordHash([]byte(e)), reader)
			if err != nil {
				fail("stored hashes: %v", err)
			}
			stored = append(stored, hs...)
			entries = append(entries, []byte(e))
		}
		start += int64(len(page.Entries))
	}
	return entries, reader
}

// latest opens the center's latest checkpoint with its key (note.Open).
func latest(url, token, vkey string) (client, note.Verifier, checkpoint) {
	c := client{strings.TrimRight(url, "/"), token}
	verifier, err := note.NewVerifier(vkey)
	if err != nil {
		fail("note.NewVerifier(%q): %v", vkey, err)
	}
	return c, verifier, openCheckpoint(c.get("/v1/ledger/checkpoint"), verifier)
}

func server(url, token, vkey string, cosigners []string) {
	c, verifier, cp := latest(url, token, vkey)
	n := cp.size
	fmt.Printf("checkpoint: %s size %d root %s: note.Open verified the center's signature\n", cp.origin, n, cp.root)

	// Every entry, stored as tlog stores a tree.
	entries, reader := readEntries(c, n)
	root, err := tlog.TreeHash(n, reader)
	if err != nil || root != cp.root {
		fail("tlog.TreeHash over the %d entries = %s, the checkpoint says %s (%v)", n, root, cp.root, err)
	}
	fmt.Printf("root: tlog.TreeHash over %d entries equals the signed root\n", n)

	// Inclusion proofs for every leaf of the latest tree.
	for i := int64(0); i < n; i++ {
		var p struct {
			Index, Size int64
			LeafHash    string `json:"leaf_hash"`
			Root        string
			Proof       []string
		}
		if err := json.Unmarshal(c.get(fmt.Sprintf("/v1/ledger/proof/inclusion?index=%d&size=%d", i, n)), &p); err != nil {
			fail("inclusion %d: %v", i, err)
		}
		if decodeHash(p.LeafHash) != tlog.RecordHash(entries[i]) {
			fail("inclusion %d: leaf_hash is not tlog.RecordHash of the entry", i)
		}
		var proof tlog.RecordProof
		for _, h := range p.Proof {
			proof = append(proof, decodeHash(h))
		}
		if err := tlog.CheckRecord(proof, n, cp.root, i, tlog.RecordHash(entries[i])); err != nil {
			fail("tlog.CheckRecord(entry %d in tree %d): %v", i+1, n, err)
		}
		mine, err := tlog.ProveRecord(n, i, reader)
		if err != nil || len(mine) != len(proof) {
			fail("tlog.ProveRecord(%d, %d): %v, %d hashes vs jic's %d", n, i, err, len(mine), len(proof))
		}
		for k := range mine {
			if mine[k] != proof[k] {
				fail("inclusion %d: jic's proof differs from tlog.ProveRecord at hash %d", i, k)
			}
		}
	}
	fmt.Printf("inclusion: %d proofs pass tlog.CheckRecord and equal tlog.ProveRecord\n", n)

	// Consistency from every earlier size, each against its own signed checkpoint.
	for m := int64(1); m < n; m++ {
		old := openCheckpoint(c.get(fmt.Sprintf("/v1/ledger/checkpoint?size=%d", m)), verifier)
		if old.size != m || old.origin != cp.origin {
			fail("checkpoint?size=%d: got size %d origin %s", m, old.size, old.origin)
		}
		var p struct {
			First, Second int64
			Proof         []string
		}
		if err := json.Unmarshal(c.get(fmt.Sprintf("/v1/ledger/proof/consistency?first=%d&second=%d", m, n)), &p); err != nil {
			fail("consistency %d: %v", m, err)
		}
		var proof tlog.TreeProof
		for _, h := range p.Proof {
			proof = append(proof, decodeHash(h))
		}
		if err := tlog.CheckTree(proof, n, cp.root, m, old.root); err != nil {
			fail("tlog.CheckTree(%d -> %d): %v", m, n, err)
		}
		mine, err := tlog.ProveTree(n, m, reader)
		if err != nil || len(mine) != len(proof) {
			fail("tlog.ProveTree(%d, %d): %v", n, m, err)
		}
		for k := range mine {
			if mine[k] != proof[k] {
				fail("consistency %d -> %d: jic's proof differs from tlog.ProveTree at hash %d", m, n, k)
			}
		}
	}
	fmt.Printf("consistency: proofs from all %d earlier signed checkpoints pass tlog.CheckTree and equal tlog.ProveTree\n", n-1)

	for _, v := range cosigners {
		checkCosignature(cp, parseCosigner(v))
	}
	fmt.Printf("cosignatures: %d verified with crypto/ed25519 over cosignature/v1\n", len(cosigners))
	fmt.Println("ok")
}

// The vector files of transparency-dev/merkle (tests/data/tlog/README.md).
type vector struct {
	LeafIdx  uint64   `json:"leafIdx"`
	TreeSize uint64   `json:"treeSize"`
	Root     string   `json:"root"`
	LeafHash string   `json:"leafHash"`
	Size1    uint64   `json:"size1"`
	Size2    uint64   `json:"size2"`
	Root1    string   `json:"root1"`
	Root2    string   `json:"root2"`
	Proof    []string `json:"proof"`
	WantErr  bool     `json:"wantErr"`
}

// hash32: a 32-byte hash, or ok=false for the vectors' deliberately wrong
// lengths (tlog.Hash cannot hold them).
func hash32(s string) (tlog.Hash, []byte, bool) {
	raw, err := base64.StdEncoding.DecodeString(s)
	var h tlog.Hash
	if err != nil || len(raw) != tlog.HashSize {
		return h, raw, false
	}
	copy(h[:], raw)
	return h, raw, true
}

func vectors(dir string) {
	total, agree := 0, 0
	for _, kind := range []string{"inclusion", "consistency"} {
		var files []string
		filepath.WalkDir(filepath.Join(dir, kind), func(path string, d os.DirEntry, err error) error {
			if err == nil && !d.IsDir() && strings.HasSuffix(path, ".json") {
				files = append(files, path)
			}
			return nil
		})
		for _, f := range files {
			data, err := os.ReadFile(f)
			if err != nil {
				fail("%v", err)
			}
			var v vector
			if err := json.Unmarshal(data, &v); err != nil {
				fail("%s: %v", f, err)
			}
			total++
			var got error
			var proof []tlog.Hash
			ok := true
			for _, p := range v.Proof {
				h, _, good := hash32(p)
				ok = ok && good
				proof = append(proof, h)
			}
			if kind == "inclusion" {
				leaf, _, g1 := hash32(v.LeafHash)
				root, _, g2 := hash32(v.Root)
				switch {
				case !ok || !g1 || !g2:
					got = fmt.Errorf("a hash is not 32 bytes")
				case v.LeafIdx > 1<<62 || v.TreeSize > 1<<62:
					got = fmt.Errorf("index out of range")
				default:
					got = tlog.CheckRecord(proof, int64(v.TreeSize), root, int64(v.LeafIdx), leaf)
				}
			} else {
				r1, raw1, g1 := hash32(v.Root1)
				r2, raw2, g2 := hash32(v.Root2)
				switch {
				case v.Size1 == v.Size2 && len(v.Proof) == 0 && v.Size1 > 0:
					// Equal sizes, no proof: the roots must be byte-equal (of any
					// length: the reference verifier's reading, which jic follows).
					if !bytes.Equal(raw1, raw2) {
						got = fmt.Errorf("different roots for one size")
					}
				case !ok || !g1 || !g2:
					got = fmt.Errorf("a hash is not 32 bytes")
				case v.Size1 > 1<<62 || v.Size2 > 1<<62:
					got = fmt.Errorf("size out of range")
				default:
					got = tlog.CheckTree(proof, int64(v.Size2), r2, int64(v.Size1), r1)
				}
			}
			if (got != nil) == v.WantErr {
				agree++
			} else {
				fmt.Printf("disagree: %s: wantErr %v, tlog says %v\n", f, v.WantErr, got)
			}
		}
	}
	fmt.Printf("vectors: tlog agrees with %d of %d files\n", agree, total)
	if agree != total || total == 0 {
		os.Exit(1)
	}
	fmt.Println("ok")
}

// jicTiles reads tiles from jic's tlog-tiles endpoints for tlog.TileHashReader.
type jicTiles struct {
	c     client
	reads int
}

// tilePath: tlog's sumdb path (tile/8/L/N[.p/W]) without the height, as
// C2SP tlog-tiles writes it; entry bundles under tile/entries/N[.p/W].
func tilePath(t tlog.Tile) string {
	return strings.Replace(t.Path(), "tile/8/", "tile/", 1)
}

func entriesPath(t tlog.Tile) string {
	return strings.Replace(t.Path(), "tile/8/0/", "tile/entries/", 1)
}

func (r *jicTiles) Height() int { return 8 }

func (r *jicTiles) ReadTiles(tiles []tlog.Tile) ([][]byte, error) {
	out := make([][]byte, len(tiles))
	for i, t := range tiles {
		out[i] = r.c.get("/v1/ledger/" + tilePath(t))
		r.reads++
	}
	return out, nil
}

func (r *jicTiles) SaveTiles(tiles []tlog.Tile, data [][]byte) {}

func tiles(url, token, vkey string) {
	c, _, cp := latest(url, token, vkey)
	n := cp.size
	// The entries through the JSON API, stored as tlog stores a tree.
	entries, reader := readEntries(c, n)
	// Every tile of the tree of size n (full and partial, every level).
	all := tlog.NewTiles(8, 0, n)
	full, partial, levels := 0, 0, map[int]bool{}
	for _, t := range all {
		want, err := tlog.ReadTileData(t, reader)
		if err != nil {
			fail("tlog.ReadTileData(%s): %v", t.Path(), err)
		}
		got := c.get("/v1/ledger/" + tilePath(t))
		if !bytes.Equal(got, want) {
			fail("%s: jic's tile (%d bytes) differs from tlog.ReadTileData (%d bytes)", tilePath(t), len(got), len(want))
		}
		levels[t.L] = true
		if t.W == 256 {
			full++
		} else {
			partial++
		}
		if t.L != 0 {
			continue
		}
		bundle := c.get("/v1/ledger/" + entriesPath(t))
		for k := 0; k < t.W; k++ {
			if len(bundle) < 2 {
				fail("%s: ends after %d entries of %d", entriesPath(t), k, t.W)
			}
			size := int(binary.BigEndian.Uint16(bundle))
			if len(bundle) < 2+size {
				fail("%s: entry %d is cut short", entriesPath(t), k)
			}
			i := t.N*256 + int64(k)
			if !bytes.Equal(bundle[2:2+size], entries[i]) {
				fail("%s: entry %d differs from /v1/ledger/entries", entriesPath(t), i)
			}
			bundle = bundle[2+size:]
		}
		if len(bundle) != 0 {
			fail("%s: %d bytes after its %d entries", entriesPath(t), len(bundle), t.W)
		}
	}
	fmt.Printf("tiles: %d full and %d partial tiles on %d levels equal tlog.ReadTileData; entry bundles equal the entries\n",
		full, partial, len(levels))
	// tlog's TileHashReader checks every tile it reads against the signed root.
	tr := &jicTiles{c: c}
	thr := tlog.TileHashReader(tlog.Tree{N: n, Hash: cp.root}, tr)
	root, err := tlog.TreeHash(n, thr)
	if err != nil || root != cp.root {
		fail("tlog.TreeHash through jic's tiles = %s, the checkpoint says %s (%v)", root, cp.root, err)
	}
	for i := int64(0); i < n; i++ {
		proof, err := tlog.ProveRecord(n, i, thr)
		if err != nil {
			fail("tlog.ProveRecord(%d, %d) through jic's tiles: %v", n, i, err)
		}
		if err := tlog.CheckRecord(proof, n, cp.root, i, tlog.RecordHash(entries[i])); err != nil {
			fail("tlog.CheckRecord(entry %d) with a proof from jic's tiles: %v", i+1, err)
		}
	}
	fmt.Printf("tile hash reader: tlog.TreeHash and %d inclusion proofs from jic's tiles check against the signed root (%d tile reads)\n", n, tr.reads)
	fmt.Println("ok")
}

func main() {
	if len(os.Args) >= 5 && os.Args[1] == "server" {
		server(os.Args[2], os.Args[3], os.Args[4], os.Args[5:])
		return
	}
	if len(os.Args) == 5 && os.Args[1] == "tiles" {
		tiles(os.Args[2], os.Args[3], os.Args[4])
		return
	}
	if len(os.Args) == 3 && os.Args[1] == "vectors" {
		vectors(os.Args[2])
		return
	}
	fmt.Fprintln(os.Stderr, "usage: tlogcheck server URL TOKEN CENTER_VKEY [COSIGNER_VKEY...] | tlogcheck vectors DIR")
	os.Exit(2)
}

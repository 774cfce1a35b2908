// SPDX-License-Identifier: Apache-2.0
/* archive_fuzz.c - the index.json and manifest.json of an archive for
 * `dory load` (core/image/archive_load.c), without its tar (the tar
 * reader has a target of its own): planned against a fixed set of blobs
 * and links, as a Docker, OCI or Docker 25 archive holds them, stored
 * once in a scratch store. Nothing is unpacked, recorded or tagged.
 * Input: index.json, then after a NUL manifest.json (each one left out
 * when empty); an odd length asks for linux/arm64 instead of this host.
 * The blobs (their digests are in the seeds):
 *   layer 1   a plain "tar" (its digest is its diff ID), in abc/layer.tar
 *   layer 2   a gzip one, in def/layer.tar
 *   config 1  amd64, layer 1; also as HEX.json (a link)
 *   config 2  arm64, layers 1 and 2
 *   manifest 1 (OCI, config 1), manifest 2 (Docker, config 2), and an
 *   index of both. */
#include "core/image/archive.h"
#include "core/store/store.h"
#include "core/util/xalloc.h"
#include "fuzz.h"

#define MT_OCI_M "application/vnd.oci.image.manifest.v1+json"

enum { L1, L2, C1, C2, M1, M2, IDX, NBLOB };

static struct store *st;
static char *blob[NBLOB];
static char dig[NBLOB][DIGEST_STRLEN], path[NBLOB][96];
static char *links[3][2];

static void blob_set(int i, char *text)
{
	blob[i] = text;
	sha256_digest(text, strlen(text), dig[i]);
	snprintf(path[i], sizeof(path[i]), "blobs/sha256/%s", dig[i] + 7);
	if (store_blob_put(st, text, strlen(text), NULL, NULL) < 0)
		abort();
}

static void close_store(void)
{
	store_close(st);
}

static void setup(void)
{
	char dx[DIGEST_STRLEN], *root = xasprintf("%s/root", fuzz_scratch());

	if (store_open(root, &st) < 0)
		abort();
	atexit(close_store);	/* runs before the scratch is removed */
	free(root);
	sha256_digest("dory fuzz diff 2\n", 17, dx);
	blob_set(L1, xstrdup("dory fuzz layer 1\n"));
	blob_set(L2, xstrdup("\x1f\x8b\x08 dory fuzz layer 2\n"));
	blob_set(C1, xasprintf("{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":"
			       "{\"type\":\"layers\",\"diff_ids\":[\"%s\"]}}", dig[L1]));
	blob_set(C2, xasprintf("{\"architecture\":\"arm64\",\"variant\":\"v8\",\"os\":\"linux\","
			       "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"%s\",\"%s\"]}}",
			       dig[L1], dx));
	blob_set(M1, xasprintf("{\"schemaVersion\":2,\"mediaType\":\"" MT_OCI_M "\",\"config\":"
			       "{\"mediaType\":\"application/vnd.oci.image.config.v1+json\","
			       "\"digest\":\"%s\",\"size\":%zu},\"layers\":[{\"mediaType\":"
			       "\"application/vnd.oci.image.layer.v1.tar\",\"digest\":\"%s\","
			       "\"size\":%zu}]}", dig[C1], strlen(blob[C1]), dig[L1],
			       strlen(blob[L1])));
	blob_set(M2, xasprintf("{\"schemaVersion\":2,\"mediaType\":"
			       "\"application/vnd.docker.distribution.manifest.v2+json\",\"config\":"
			       "{\"mediaType\":\"application/vnd.docker.container.image.v1+json\","
			       "\"digest\":\"%s\",\"size\":%zu},\"layers\":[{\"mediaType\":"
			       "\"application/vnd.docker.image.rootfs.diff.tar\",\"digest\":\"%s\","
			       "\"size\":%zu},{\"mediaType\":"
			       "\"application/vnd.docker.image.rootfs.diff.tar.gzip\","
			       "\"digest\":\"%s\",\"size\":%zu}]}", dig[C2], strlen(blob[C2]),
			       dig[L1], strlen(blob[L1]), dig[L2], strlen(blob[L2])));
	blob_set(IDX, xasprintf("{\"schemaVersion\":2,\"mediaType\":"
				"\"application/vnd.oci.image.index.v1+json\",\"manifests\":["
				"{\"mediaType\":\"" MT_OCI_M "\",\"digest\":\"%s\",\"size\":%zu,"
				"\"platform\":{\"architecture\":\"amd64\",\"os\":\"linux\"}},"
				"{\"mediaType\":\"application/vnd.docker.distribution.manifest.v2+json\","
				"\"digest\":\"%s\",\"size\":%zu,\"platform\":{\"architecture\":"
				"\"arm64\",\"os\":\"linux\",\"variant\":\"v8\"}}]}", dig[M1],
				strlen(blob[M1]), dig[M2], strlen(blob[M2])));
	links[0][0] = xasprintf("%s.json", dig[C1] + 7);
	links[0][1] = xstrdup(path[C1]);
	links[1][0] = xstrdup("abc/layer.tar");
	links[1][1] = xasprintf("../%s", path[L1]);
	links[2][0] = xstrdup("def/layer.tar");
	links[2][1] = xasprintf("../%s", path[L2]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct archive_load_opts o = { .platform = size & 1 ? "linux/arm64" : NULL };
	struct archive_file f[NBLOB + 5];
	struct strv names = { 0 };
	const uint8_t *man;
	size_t man_n, idx_n = fuzz_split(data, size, &man, &man_n);
	int n = 0;

	if (!st)
		setup();
	for (int i = 0; i < NBLOB; i++)
		f[n++] = (struct archive_file){ .path = path[i], .data = blob[i],
						.len = strlen(blob[i]) };
	for (int i = 0; i < 3; i++)
		f[n++] = (struct archive_file){ .path = links[i][0], .link = links[i][1] };
	if (idx_n)
		f[n++] = (struct archive_file){ .path = "index.json", .data = data, .len = idx_n };
	if (man_n)
		f[n++] = (struct archive_file){ .path = "manifest.json", .data = man,
						.len = man_n };
	if (archive_load_plan(st, f, n, &o, &names) == 0 && !names.n)
		abort();	/* an archive that loads holds an image */
	strv_free(&names);
	err_clear();
	return 0;
}

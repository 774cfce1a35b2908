// SPDX-License-Identifier: Apache-2.0
/* ref_test.c - Docker's reference normalization and its refusals. */
#include <errno.h>

#include "core/image/ref.h"
#include "core/util/err.h"
#include "tests/unit/tap.h"

#define D64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static void check_ref(const char *in, const char *dom, const char *repo, const char *tag,
		      const char *dig, const char *str)
{
	struct ref r;

	CHECK_EQ_INT(ref_parse(in, &r), 0);
	CHECK_EQ_STR(r.domain, dom);
	CHECK_EQ_STR(r.repo, repo);
	if (tag)
		CHECK_EQ_STR(r.tag, tag);
	else
		CHECK(r.tag == NULL);
	if (dig)
		CHECK_EQ_STR(r.digest, dig);
	else
		CHECK(r.digest == NULL);
	char *s = ref_str(&r);
	CHECK_EQ_STR(s, str);
	free(s);
	ref_clear(&r);
}

TEST(ref_parse_docker_hub_names)
{
	check_ref("alpine", "docker.io", "library/alpine", "latest", NULL,
		  "docker.io/library/alpine:latest");
	check_ref("alpine:3.19", "docker.io", "library/alpine", "3.19", NULL,
		  "docker.io/library/alpine:3.19");
	check_ref("me/app", "docker.io", "me/app", "latest", NULL, "docker.io/me/app:latest");
	check_ref("docker.io/alpine", "docker.io", "library/alpine", "latest", NULL,
		  "docker.io/library/alpine:latest");
	check_ref("index.docker.io/library/alpine:1", "docker.io", "library/alpine", "1", NULL,
		  "docker.io/library/alpine:1");
}

TEST(ref_parse_hosts_ports_and_digests)
{
	check_ref("127.0.0.1:5000/team/app:1.2", "127.0.0.1:5000", "team/app", "1.2", NULL,
		  "127.0.0.1:5000/team/app:1.2");
	check_ref("localhost/app", "localhost", "app", "latest", NULL, "localhost/app:latest");
	check_ref("registry.example/a/b/c", "registry.example", "a/b/c", "latest", NULL,
		  "registry.example/a/b/c:latest");
	check_ref("app@sha256:" D64, "docker.io", "library/app", NULL, "sha256:" D64,
		  "docker.io/library/app@sha256:" D64);
	check_ref("h:1/app:v1@sha256:" D64, "h:1", "app", "v1", "sha256:" D64,
		  "h:1/app@sha256:" D64);
	check_ref("[::1]:5000/app", "[::1]:5000", "app", "latest", NULL, "[::1]:5000/app:latest");
	check_ref("a-b.c/e--f__g.h", "a-b.c", "e--f__g.h", "latest", NULL, "a-b.c/e--f__g.h:latest");
}

TEST(ref_parse_refusals)
{
	const char *bad[] = { "", "Alpine", "app:", "app:-x", "app@sha256:abc", "app@md5:" D64,
			      "a//b", "a/", "/a", "a..b", "a___b", "-a", "h:x/app", "app:t t",
			      "a_", NULL };
	struct ref r;

	for (int i = 0; bad[i]; i++) {
		int rc = ref_parse(bad[i], &r);

		if (rc != -EINVAL)
			TAP_FAIL("\"%s\" parsed (rc %d)", bad[i], rc);
		CHECK(r.repo == NULL && r.domain == NULL);
	}
	ref_parse("Alpine", &r);
	CHECK(strstr(err_str(), "\"Alpine\"") != NULL);
}

TEST(ref_familiar_and_hosts)
{
	struct ref r;
	char *f;

	f = ref_familiar("docker.io/library/alpine");
	CHECK_EQ_STR(f, "alpine");
	free(f);
	f = ref_familiar("docker.io/me/app");
	CHECK_EQ_STR(f, "me/app");
	free(f);
	f = ref_familiar("127.0.0.1:5000/app");
	CHECK_EQ_STR(f, "127.0.0.1:5000/app");
	free(f);
	CHECK_EQ_INT(ref_parse("busybox", &r), 0);
	CHECK_EQ_STR(ref_registry_host(&r), "registry-1.docker.io");
	f = ref_name(&r);
	CHECK_EQ_STR(f, "docker.io/library/busybox");
	free(f);
	ref_clear(&r);
	CHECK(ref_is_id("sha256:" D64));
	CHECK(ref_is_id(D64));
	CHECK(!ref_is_id("abc"));
	CHECK(!ref_is_id("sha256:" D64 "0"));
}

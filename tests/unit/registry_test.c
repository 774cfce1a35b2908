// SPDX-License-Identifier: Apache-2.0
/* registry_test.c - the parts of the registry client that need no server:
 * auth challenges and Docker's credential file. (The protocol itself is
 * tested against a real registry in tests/cases/pull.sh.) */
#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "core/registry/registry.h"
#include "tests/unit/tap.h"

TEST(reg_challenge_params)
{
	const char *ch = "Bearer realm=\"https://auth.example/token\",service=\"registry.example\","
			 "scope=\"repository:team/app:pull\"";
	char *v;

	v = reg_challenge_param(ch, "realm");
	CHECK_EQ_STR(v, "https://auth.example/token");
	free(v);
	v = reg_challenge_param(ch, "service");
	CHECK_EQ_STR(v, "registry.example");
	free(v);
	v = reg_challenge_param(ch, "scope");
	CHECK_EQ_STR(v, "repository:team/app:pull");
	free(v);
	CHECK(reg_challenge_param(ch, "error") == NULL);
	v = reg_challenge_param("Basic realm=Registry", "realm");
	CHECK_EQ_STR(v, "Registry");
	free(v);
	v = reg_challenge_param("Bearer realm=\"a,b\", service=x", "service");
	CHECK_EQ_STR(v, "x");
	free(v);
}

TEST(reg_creds_find_in_text)
{
	static const char cfg[] = "{\"auths\":{\"h:1\":{\"auth\":\"dTpw\"},"
				  "\"https://h:2\":{\"auth\":\"bm9jb2xvbg==\"},"
				  "\"h:3\":{\"auth\":\"!!\"},\"h:4\":{\"auth\":7},"
				  "\"h:5\":{\"auth\":\"YQBiOmM=\"}}}";
	char *c = reg_creds_find(cfg, "h:1");

	CHECK_EQ_STR(c, "u:p");
	free(c);
	CHECK(reg_creds_find(cfg, "h:2") == NULL);	/* "nocolon": no password */
	CHECK(reg_creds_find(cfg, "h:3") == NULL);	/* not base64 */
	CHECK(reg_creds_find(cfg, "h:4") == NULL);
	CHECK(reg_creds_find(cfg, "h:5") == NULL);	/* "a\0b:c": a NUL before the colon */
	CHECK(reg_creds_find("[", "h:1") == NULL);
}

TEST(reg_creds_from_docker_config)
{
	char dir[] = "/tmp/dory-regtest.XXXXXX", path[64];
	char *c;
	FILE *f;

	CHECK(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/config.json", dir);
	f = fopen(path, "w");
	/* "user:pa:ss" and "hub:pw" in base64 */
	fputs("{\"auths\":{\"127.0.0.1:5000\":{\"auth\":\"dXNlcjpwYTpzcw==\"},"
	      "\"https://index.docker.io/v1/\":{\"auth\":\"aHViOnB3\"}}}", f);
	fclose(f);
	setenv("DOCKER_CONFIG", dir, 1);
	c = reg_creds_lookup("127.0.0.1:5000");
	CHECK_EQ_STR(c, "user:pa:ss");
	free(c);
	c = reg_creds_lookup("docker.io");
	CHECK_EQ_STR(c, "hub:pw");
	free(c);
	CHECK(reg_creds_lookup("127.0.0.1:5001") == NULL);
	c = reg_creds_path();
	CHECK_EQ_STR(c, path);
	free(c);
	unsetenv("DOCKER_CONFIG");
	unlink(path);
	rmdir(dir);
}

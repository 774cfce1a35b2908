// SPDX-License-Identifier: Apache-2.0
/* conf_test.c - dory's config file: every key, the defaults, and the
 * one-line errors for values of the wrong kind. */
#include <errno.h>

#include "core/util/conf.h"
#include "core/util/err.h"
#include "tap.h"

TEST(conf_parse_every_key)
{
	struct dory_conf c;

	CHECK_EQ_INT(conf_parse("{\"insecure-registries\": [\"10.0.0.2:5000\"],"
				"\"registry-mirrors\": [\"https://m.lan\"],"
				"\"storage-driver\": \"bind-copy\", \"keep-layer-blobs\": false,"
				"\"certs-dir\": \"/c\", \"userns-remap\": \"1000:10\","
				"\"userns-idmap\": false, \"default-network\": \"none\","
				"\"userland-proxy\": true, \"no-new-privileges\": true,"
				"\"default-pids-limit\": 100, \"init\": true,"
				"\"unknown\": 1}", "f", &c), 0);
	CHECK(conf_is_insecure(&c, "10.0.0.2:5000") && !conf_is_insecure(&c, "10.0.0.2"));
	CHECK_EQ_STR(c.mirrors.v[0], "https://m.lan");
	CHECK_EQ_STR(c.storage_driver, "bind-copy");
	CHECK_EQ_STR(c.certs_dir, "/c");
	CHECK_EQ_STR(c.userns_remap, "1000:10");
	CHECK(!c.keep_layer_blobs && c.userns_no_idmap && c.userland_proxy && c.no_new_privs);
	CHECK(c.init);
	CHECK_EQ_STR(c.default_network, "none");
	CHECK_EQ_INT(c.default_pids, 100);
	conf_clear(&c);
	CHECK_EQ_INT(conf_parse("{\"default-pids-limit\": -1}", "f", &c), 0);
	CHECK_EQ_INT(c.default_pids, 0);
	conf_clear(&c);
	CHECK_EQ_INT(conf_parse("{}", "f", &c), 0);
	CHECK(c.keep_layer_blobs && !c.storage_driver && !c.insecure.n && !c.userland_proxy);
	CHECK(!c.no_new_privs);
	CHECK_EQ_INT(c.default_pids, CONF_DEFAULT_PIDS);
	CHECK(!c.default_network);
	conf_clear(&c);
}

TEST(conf_parse_refuses_wrong_kinds)
{
	struct dory_conf c;

	CHECK_EQ_INT(conf_parse("{\"insecure-registries\": \"x\"}", "f", &c), -EINVAL);
	CHECK_EQ_STR(err_str(), "f: \"insecure-registries\" must be a list of strings");
	CHECK_EQ_INT(conf_parse("{\"storage-driver\": \"zfs\"}", "f", &c), -EINVAL);
	CHECK(c.storage_driver == NULL);
	CHECK_EQ_INT(conf_parse("{\"userns-remap\": 5}", "f", &c), -EINVAL);
	CHECK_EQ_INT(conf_parse("{\"default-network\": [\"x\"]}", "f", &c), -EINVAL);
	CHECK_EQ_STR(err_str(), "f: \"default-network\" must be a string");
	CHECK_EQ_INT(conf_parse("{\"default-pids-limit\": 1.5}", "f", &c), -EINVAL);
	CHECK_EQ_STR(err_str(), "f: \"default-pids-limit\" must be a whole number (0 for none)");
	CHECK_EQ_INT(conf_parse("{", "f", &c), -EBADMSG);
	CHECK(strncmp(err_str(), "config file f: invalid JSON", 27) == 0);
}

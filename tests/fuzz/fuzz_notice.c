/* Fuzz target: a webhook body through the intake's parser, normaliser and
 * canonical form, for both endpoints, and the normalised JSON back again.
 * Built with libFuzzer under clang (make fuzz), and as a corpus runner in
 * every build (suite "fuzz"). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "rebound/notice.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rb_notice n, back;
	struct err e = ERR_INIT;
	json_error_t je;
	json_t *root, *norm;
	char why[256];
	char *canon;
	int refund;

	root = json_loadb((const char *)data, size, 0, &je);
	if (!root)
		return 0;
	for (refund = 0; refund < 2; refund++) {
		if (rb_notice_parse(root, refund, &n, why, sizeof(why)) == RB_NOT_REBOUND)
			continue;
		norm = rb_notice_to_json(&n);
		if (norm && rb_notice_from_json(norm, &back, &e) == ERR_OK)
			rb_notice_release(&back);
		json_decref(norm);
		rb_notice_release(&n);
	}
	canon = rb_canonical(root);
	free(canon);
	json_decref(root);
	return 0;
}

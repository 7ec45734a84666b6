/* Fuzz target: an answer from Rebound's legacy API through the envelope
 * parser and, when it is a success, the returns/search and returns/get
 * shape checks. Built with libFuzzer under clang (make fuzz), and as a
 * corpus runner in every build (suite "fuzz"). */
#include <stddef.h>
#include <stdint.h>

#include "rebound/legacy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *succ = NULL, *ids = NULL;
	enum err_code rc;
	char code[48];

	if (legacy_parse("returns/get", 200, (const char *)data, size, &succ, code, NULL) != ERR_OK)
		return 0;
	if (legacy_search_ids(succ, &ids, NULL) == ERR_OK)
		json_decref(ids);
	rc = legacy_check_return(succ, "1", NULL);
	(void)rc; /* either verdict is fine: it must not crash */
	json_decref(succ);
	return 0;
}

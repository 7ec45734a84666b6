/* Fuzz target: any text as a configuration file (the INI reader, every
 * key's parser and the cross checks). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/cfg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cfg_report rep;
	struct err e = ERR_INIT;
	struct cfg c;
	char *text = malloc(size + 1);

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if (cfg_load_string(text, "fuzz.ini", "/nonexistent", &c, &rep, &e) == ERR_OK)
		cfg_release(&c);
	free(text);
	return 0;
}

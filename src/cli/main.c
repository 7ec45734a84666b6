/* main: the returnbridge executable; everything is in cli_run. */
#include <stdio.h>

#include "cli/cli.h"

int main(int argc, char **argv)
{
	return cli_run(argc, argv, stdout, stderr);
}

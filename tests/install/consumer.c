/* Links against an installed nninit and initializes one tensor. */
#include <nninit.h>
#include <stdio.h>
#include <string.h>

int main(void)
{
    nninit_shape s;
    nninit_shape_parse("4,3", &s, NULL);
    nninit_spec spec = nninit_spec_make(NNINIT_XAVIER_UNIFORM);
    float w[12];
    nninit_error err;
    if (nninit_init(&spec, &s, NNINIT_LAYOUT_TORCH, NNINIT_F32, w, 0, 12, NULL,
                    &err) != NNINIT_OK) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    printf("nninit %s ok %s\n", nninit_version(),
           strcmp(nninit_version(), NNINIT_VERSION_STRING) ? "MISMATCH" : "");
    return strcmp(nninit_version(), NNINIT_VERSION_STRING) != 0;
}

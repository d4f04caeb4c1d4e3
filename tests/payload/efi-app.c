/*
 * efi-app.c -- an arm64 EFI app that reports the way kvm-unit-tests' EFI
 * tests do, for pkvmd's EFI payloads (docs/PAYLOADS.md).
 *
 * pkvmd boots it from a FAT drive through the UEFI shell's startup.nsh,
 * which runs "payload.efi ARGS" as kvm-unit-tests' arm/efi/run does.  It
 * prints its report lines on the firmware's console, "EXIT: STATUS=N"
 * with N = (code << 1) | 1 as lib/arm/io.c exit() does, and resets the
 * system (EfiResetShutdown), which makes qemu exit 0: with no test
 * device, the status is the EXIT line's.  Its mode is in its arguments
 * (the shell's command line, in its LoadOptions): "fail" reports a
 * failure and exits 1; anything else passes and exits 0.  Built with
 * gnu-efi (Debian's gnu-efi:arm64, which scripts/fetch-guest unpacks).
 */
#include <efi.h>
#include <efilib.h>

/* Whether the UCS-2 string S of LEN bytes holds the word W. */
static BOOLEAN
has_arg(const CHAR16 *s, UINTN len, const CHAR16 *w)
{
	UINTN n = len / sizeof(CHAR16), k;

	for (UINTN i = 0; i < n; i++) {
		for (k = 0; w[k] != 0 && i + k < n && s[i + k] == w[k]; k++)
			;
		if (w[k] == 0 && (i == 0 || s[i - 1] == L' ') &&
		    (i + k == n || s[i + k] == L' ' || s[i + k] == 0))
			return TRUE;
	}
	return FALSE;
}

EFI_STATUS
efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *systab)
{
	EFI_LOADED_IMAGE *li = NULL;
	BOOLEAN fail = FALSE;
	int code;

	InitializeLib(image, systab);
	if (uefi_call_wrapper(BS->HandleProtocol, 3, image, &LoadedImageProtocol, (void **)&li) ==
		EFI_SUCCESS &&
	    li->LoadOptions != NULL)
		fail = has_arg(li->LoadOptions, li->LoadOptionsSize, L"fail");
	Print(L"PASS: efi: started from the shell\n");
	if (fail) {
		Print(L"FAIL: efi: asked to fail\n");
		Print(L"SUMMARY: 2 tests, 1 unexpected failures\n");
		code = 1;
	} else {
		Print(L"PASS: efi: firmware services\n");
		Print(L"SUMMARY: 2 tests\n");
		code = 0;
	}
	Print(L"\nEXIT: STATUS=%d\n", (code << 1) | 1);
	uefi_call_wrapper(RT->ResetSystem, 4, EfiResetShutdown, EFI_SUCCESS, 0, NULL);
	return EFI_SUCCESS;
}

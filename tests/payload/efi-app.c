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
 * failure and exits 1; anything else passes and exits 0.  Either way it
 * checks that the variable fdtfile names the device tree pkvmd dumped
 * for it ("dtb"), which kvm-unit-tests' EFI apps load.  Built with
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

/* kvm-unit-tests' EFI_VAR_GUID (arm/efi/run, lib/efi.c). */
static EFI_GUID kut_var_guid = { 0x97ef3e03, 0x7329, 0x4a6a,
	{ 0xb9, 0xba, 0x6c, 0x1f, 0xdc, 0xc5, 0xf8, 0x23 } };

/* Whether the runtime variable fdtfile is L"dtb", as startup.nsh set it. */
static BOOLEAN
fdtfile_is_dtb(void)
{
	CHAR16 buf[16] = { 0 };
	UINTN size = sizeof(buf) - sizeof(CHAR16);
	EFI_STATUS st = uefi_call_wrapper(RT->GetVariable, 5, L"fdtfile", &kut_var_guid, NULL,
	    &size, buf);

	return st == EFI_SUCCESS && StrCmp(buf, L"dtb") == 0;
}

EFI_STATUS
efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *systab)
{
	EFI_LOADED_IMAGE *li = NULL;
	BOOLEAN fail = FALSE;
	int code, failures = 0;

	InitializeLib(image, systab);
	if (uefi_call_wrapper(BS->HandleProtocol, 3, image, &LoadedImageProtocol, (void **)&li) ==
		EFI_SUCCESS &&
	    li->LoadOptions != NULL)
		fail = has_arg(li->LoadOptions, li->LoadOptionsSize, L"fail");
	Print(L"PASS: efi: started from the shell\n");
	if (fdtfile_is_dtb()) {
		Print(L"PASS: efi: fdtfile names the device tree\n");
	} else {
		Print(L"FAIL: efi: fdtfile names the device tree\n");
		failures++;
	}
	if (fail) {
		Print(L"FAIL: efi: asked to fail\n");
		failures++;
	} else {
		Print(L"PASS: efi: firmware services\n");
	}
	if (failures > 0)
		Print(L"SUMMARY: 3 tests, %d unexpected failures\n", failures);
	else
		Print(L"SUMMARY: 3 tests\n");
	code = failures > 0 ? 1 : 0;
	Print(L"\nEXIT: STATUS=%d\n", (code << 1) | 1);
	uefi_call_wrapper(RT->ResetSystem, 4, EfiResetShutdown, EFI_SUCCESS, 0, NULL);
	return EFI_SUCCESS;
}

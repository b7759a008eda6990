/* startup.c — bare-metal start of a Cortex-M4: the vector table, and a reset
 * handler that copies .data from flash, zeroes .bss, turns on the FPU (the
 * classifier computes in float with -mfloat-abi=hard) and calls main. */
#include <stdint.h>

extern uint32_t _data_load, _data_start, _data_end, _bss_start, _bss_end, _stack_top;
int main(void);
void semihost_exit(int code);

void reset_handler(void)
{
    uint32_t *src = &_data_load, *dst = &_data_start;
    while (dst < &_data_end)
        *dst++ = *src++;
    for (dst = &_bss_start; dst < &_bss_end;)
        *dst++ = 0;
    /* CPACR: full access to coprocessors 10 and 11, the FPU */
    *(volatile uint32_t *)0xE000ED88 |= 0xFu << 20;
    __asm volatile("dsb\n\tisb");
    semihost_exit(main());
}

static void fault_handler(void)
{
    semihost_exit(99);
}

/* initial stack pointer, reset, then NMI and the faults */
__attribute__((section(".vectors"), used)) static void (*const vectors[16])(void) = {
    (void (*)(void))(uintptr_t)&_stack_top, reset_handler, fault_handler, fault_handler,
    fault_handler, fault_handler, fault_handler, 0, 0, 0, 0, fault_handler, fault_handler, 0,
    fault_handler, fault_handler,
};

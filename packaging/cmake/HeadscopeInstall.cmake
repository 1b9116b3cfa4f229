# Install layout (used by `cmake --install` and the Debian package):
#   bin/headscope, bin/headscope-cli
#   share/headscope/{sample_sessions,demo_model}   found at run time relative to the executable
#   share/headscope/slurm                         sbatch templates (probe array + merge)
#   share/applications, share/icons/hicolor/scalable/apps, share/mime/packages
include(GNUInstallDirs)
install(TARGETS headscope-cli RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
if(TARGET headscope)
  install(TARGETS headscope RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
endif()
install(DIRECTORY ${PROJECT_SOURCE_DIR}/sample_sessions/ DESTINATION ${CMAKE_INSTALL_DATADIR}/headscope/sample_sessions
        FILES_MATCHING PATTERN "*.h5" PATTERN "*.json" PATTERN "README.md")
if(EXISTS ${PROJECT_SOURCE_DIR}/resources/demo_model/config.json)
  install(DIRECTORY ${PROJECT_SOURCE_DIR}/resources/demo_model/ DESTINATION ${CMAKE_INSTALL_DATADIR}/headscope/demo_model)
endif()
install(PROGRAMS ${PROJECT_SOURCE_DIR}/packaging/slurm/probe-array.sbatch ${PROJECT_SOURCE_DIR}/packaging/slurm/eval-array.sbatch
                 ${PROJECT_SOURCE_DIR}/packaging/slurm/sweep-array.sbatch ${PROJECT_SOURCE_DIR}/packaging/slurm/merge.sbatch
        DESTINATION ${CMAKE_INSTALL_DATADIR}/headscope/slurm)
install(FILES ${PROJECT_SOURCE_DIR}/packaging/linux/headscope.desktop DESTINATION ${CMAKE_INSTALL_DATADIR}/applications)
install(FILES ${PROJECT_SOURCE_DIR}/resources/icons/headscope.svg DESTINATION ${CMAKE_INSTALL_DATADIR}/icons/hicolor/scalable/apps)
install(FILES ${PROJECT_SOURCE_DIR}/packaging/linux/headscope-mime.xml DESTINATION ${CMAKE_INSTALL_DATADIR}/mime/packages
        RENAME headscope.xml)
